-- hfl.state.rendered: tracing a rendered part's lines back to its template, and the part
-- splitter's file lines. #unit
local rendered = require "hfl.state.rendered"
local parts = require "hfl.state.parts"

local function L(...) return table.concat({ ... }, "\n") end

describe("hfl.state.rendered #unit", function()
  describe("trace()", function()
    it("maps a part that kept its lines line for line", function()
      local map = rendered.trace(L("a: {{ .x }}", "{{ if .y }}", "b: 1", "{{ end }}"), L("a: 1", "", "b: 1", ""))
      assert.same({ 1, 2, 3, 4 }, map)
    end)

    it("maps the lines around a range that multiplied lines, and not the range's own", function()
      local src = L("releases:", "{{- range .apps }}", "- name: {{ . }}", "  x: {{ . }}", "{{- end }}",
        "- name: last", "  chrat: c")
      local out = L("releases:", "- name: a", "  x: a", "- name: b", "  x: b", "- name: last", "  chrat: c")
      local map = rendered.trace(src, out)
      assert.equal(1, map[1])
      assert.equal(6, map[6])
      assert.equal(7, map[7])
      for i = 2, 5 do assert.is_nil(map[i]) end
    end)

    it("does not map a stretch of the same length whose lines lost their template's text", function()
      -- two iterations of a trimmed range fill exactly the lines the range's own lines took
      local src = L("r:", "{{- range .apps }}", "- n: {{ . }}", "  {{ . }}c: x", "{{- end }}", "- n: y")
      local out = L("r:", "- n: a", "  ac: x", "- n: b", "  bc: x", "- n: y")
      local map = rendered.trace(src, out)
      assert.equal(1, map[1])
      assert.equal(6, map[6])
      assert.is_nil(map[3])
    end)

    it("keeps within its budget: over it, only a part that kept its lines maps", function()
      local src, out = { "{{- if .x }}" }, { "" }
      for i = 1, 20 do src[#src + 1] = "k" .. i .. ": v"; out[#out + 1] = "k" .. i .. ": v" end
      src[#src + 1] = "{{- end }}"
      local map = rendered.trace(table.concat(src, "\n"), table.concat(out, "\n"), 10)
      assert.is_nil(next(map))
      map = rendered.trace(table.concat(src, "\n"), table.concat(out, "\n"))
      assert.equal(21, map[21])
      src[1], src[#src] = "{{ if .x }}", nil
      map = rendered.trace(table.concat(src, "\n"), table.concat(out, "\n"), 10)
      assert.equal(21, map[21])
    end)

    it("matches the lines a template starts and ends with without filling the table", function()
      local src, out = { "a: 1", "{{- range .l }}", "- {{ . }}", "{{- end }}", "z: 2" }, { "a: 1", "- p", "- q", "z: 2" }
      local map = rendered.trace(table.concat(src, "\n"), table.concat(out, "\n"), 0)
      assert.equal(1, map[1])
      assert.equal(5, map[4])
      assert.is_nil(map[2])
    end)
  end)

  describe("where()", function()
    -- the part starts on line 11 of the file; decoded lines count from there
    local src = rendered.new { name = "h.yaml.gotmpl", index = 2, first = 11,
      source = L("releases:", "{{- range .apps }}", "- name: {{ . }}", "{{- end }}", "- name: z"),
      output = L("releases:", "- name: a", "- name: b", "- name: z") }

    it("names the file's line when the output line traces", function()
      assert.equal("h.yaml.gotmpl:11", src:where(11))
      assert.equal("h.yaml.gotmpl:15", src:where(14))
    end)

    it("names the rendered part and its own line otherwise", function()
      assert.equal("h.yaml.gotmpl: rendered part 2, line 2", src:where(12))
    end)

    it("names only the file without a line", function()
      assert.equal("h.yaml.gotmpl", src:where(nil))
    end)
  end)

  describe("error()", function()
    local src = rendered.new { name = "h.yaml.gotmpl", index = 1, first = 5,
      source = L("a: {{ .x }}", "b: c: d", "{{- range .l }}", "- {{ . }}", "{{- end }}"),
      output = L("a: 1", "b: c: d", "- p", "- q", "- r") }

    it("keeps the column on a line the template wrote unchanged", function()
      assert.equal("h.yaml.gotmpl:6:5: mapping values are not allowed in this context",
        src:error("h.yaml.gotmpl:6:5: mapping values are not allowed in this context"))
    end)

    it("drops the column on a traced line whose actions rendered", function()
      local s2 = rendered.new { name = "f", index = 1, first = 3, source = "a: {{ .x }}", output = "a: b: c" }
      assert.equal("f:3: mapping values are not allowed in this context",
        s2:error("f:3:5: mapping values are not allowed in this context"))
    end)

    it("names the rendered part, line and column of an untraceable line", function()
      assert.equal("h.yaml.gotmpl: rendered part 1, line 4, column 1: boom", src:error("h.yaml.gotmpl:8:1: boom"))
    end)

    it("leaves other messages alone", function()
      assert.equal("other:1:1: x", src:error("other:1:1: x"))
    end)
  end)

  describe("numbered()", function()
    it("prefixes each line with its number, from the given first line", function()
      assert.equal(" 1: a\n 2: b\n 3: ", rendered.numbered("a\nb\n"))
      assert.equal(" 9: a\n10: b", rendered.numbered("a\nb", 9))
    end)
  end)

  describe("debug()", function()
    it("gives the sink the title and numbered text, built only when the sink formats it", function()
      local got
      rendered.debug({ debug = function(f, m) got = m; assert.equal("%s", f) end }, "title:", "a\nb", 4)
      assert.equal("title:\n 4: a\n 5: b", tostring(got))
      local built = false
      local old = rendered.numbered
      rendered.numbered = function(...) built = true; return old(...) end
      rendered.debug({ debug = function() end }, "title:", "a")
      rendered.numbered = old
      assert.is_false(built)
      rendered.debug(nil, "title:", "a")  -- no sink: nothing to do
    end)
  end)
end)

describe("hfl.state.parts #unit", function()
  describe("split()", function()
    it("tells the file line each part starts on", function()
      local list, firsts = parts.split("a: 1\nb: 2\n---\n\nc: 3\n---\nd: 4\n")
      assert.same({ "a: 1\nb: 2", "\nc: 3", "d: 4\n" }, list)
      assert.same({ 1, 4, 7 }, firsts)
    end)
  end)

  describe("source()", function()
    local value = require "hfl.value"

    it("follows merged maps and appended lists back to the container a value was written in", function()
      local from = setmetatable({}, { __mode = "k" })
      local a = assert(parts.decode("helmDefaults:\n  wait: true\nreleases:\n- name: a\n", "a.yaml", false))
      local b = assert(parts.decode("helmDefaults:\n  timeout: 1\nreleases:\n- name: b\n", "b.yaml", false, 7))
      local m = parts.merge_layer(a, b, true, from)
      local t, k = parts.source(from, m.helmDefaults, "wait")
      assert.equal(a.helmDefaults, t)
      assert.equal(2, value.line(t, k))
      t, k = parts.source(from, m.helmDefaults, "timeout")
      assert.equal(b.helmDefaults, t)
      assert.equal(8, value.line(t, k))
      t, k = parts.source(from, m.releases, 2)
      assert.equal(b.releases, t)
      assert.equal(1, k)
      assert.equal(10, value.line(t, k))
      local p = parts.merge_part(m, parts.decode("helmDefaults:\n  wait: false\n", "c.yaml", false), from)
      t = parts.source(from, p.helmDefaults, "timeout")
      assert.equal(b.helmDefaults, t)
    end)

    it("is the container itself without a provenance table", function()
      local t = {}
      assert.equal(t, (parts.source(nil, t, "k")))
    end)
  end)

  describe("decode()", function()
    local value = require "hfl.value"

    it("gives the file's lines to a part that starts further down", function()
      local doc = assert(parts.decode("releases:\n- name: x\n  chart: c\n", "h.yaml", false, 12))
      assert.equal(12, value.line(doc, "releases"))
      assert.equal(14, value.line(doc.releases[1], "chart"))
      local _, err = parts.decode("releases:\n- name: x\n  chart: c\n   bad: x\n", "h.yaml", false, 12)
      assert.matches("^h%.yaml:15:", err)
    end)
  end)
end)

describe("hfl.state.load #unit", function()
  local loader = require "hfl.state.load"
  local session = require "hfl.session"
  local T = require "fixtures.state.loader.tree"

  after_each(function() T.cleanup() end)

  -- a log sink that keeps what it is given at debug level, formatted as hfl.log would
  local function recorder()
    local seen = {}
    local function drop() end
    return seen, { debug = function(f, ...) seen[#seen + 1] = f:format(...) end, info = drop, warn = drop,
      error = drop }
  end

  it("gives the caller's log sink each rendered part with numbered lines", function()
    local dir = T.tree { ["helmfile.yaml.gotmpl"] = "values:\n- n: 2\n---\nreleases:\n- name: r{{ .Values.n }}\n" }
    local seen, sink = recorder()
    local states, err = loader.load { cwd = dir, session = session.new { log = sink } }
    assert.is_nil(err)
    assert.equal("r2", states[1].doc.releases[1].name)
    assert.same({
      'rendering result of "helmfile.yaml.gotmpl.part.0":\n 1: values:\n 2: - n: 2',
      'rendering result of "helmfile.yaml.gotmpl.part.1":\n 1: releases:\n 2: - name: r2\n 3: ',
    }, seen)
  end)

  it("names the rendered part and line of an untraceable error through the Lua API", function()
    local dir = T.tree { ["helmfile.yaml.gotmpl"] = table.concat({ "values:", "- l: [a, b]", "---",
      "releases:", "{{- range .Values.l }}", "- name: {{ . }}", "  {{ . }}x: 1", "{{- end }}", "" }, "\n") }
    local states = assert(loader.load { cwd = dir })
    local rels, err = require("hfl.state.releases").build(states[1])
    assert.is_nil(rels)
    assert.equal('helmfile.yaml.gotmpl: rendered part 1, line 3: release "a": unknown field "ax"', err)
  end)
end)
