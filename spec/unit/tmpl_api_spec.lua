-- hfl.tmpl's Lua API: render, compile, template sets, function lookup, options, limits.
local tmpl = require "hfl.tmpl"
local value = require "hfl.value"

local map, list = value.map, value.list

describe("hfl.tmpl #unit", function()
  describe("render()", function()
    it("renders a template with data", function()
      assert.are.equal("hi x", tmpl.render("hi {{ .a }}", map { a = "x" }))
    end)

    it("returns nil and Go's parse error", function()
      local out, err = tmpl.render("{{ .a", map {})
      assert.is_nil(out)
      assert.are.equal("template: stringTemplate:1: unclosed action", err)
    end)

    it("names errors after opts.name", function()
      local _, err = tmpl.render("\n{{ .nope }}", map {}, { name = "helmfile.yaml" })
      assert.are.equal('template: helmfile.yaml:2:3: executing "helmfile.yaml" at <.nope>: map has no entry for key "nope"', err)
    end)

    it("treats missing keys as zero values with missingkey=zero", function()
      assert.are.equal("<no value>", tmpl.render("{{ .nope }}", map {}, { missingkey = "zero" }))
    end)

    it("accepts plain Lua tables as data", function()
      assert.are.equal("1 [a b]", tmpl.render("{{ .x.y }} {{ .l }}", { x = { y = 1 }, l = { "a", "b" } }))
    end)

    it("renders nil data", function()
      assert.are.equal("ok", tmpl.render("ok", nil))
    end)

    it("keeps ints and floats apart", function()
      assert.are.equal("1 1 1e+06 1000000", tmpl.render("{{ .i }} {{ .f }} {{ .g }} {{ .h }}",
        map { i = 1, f = value.float(1), g = value.float(1e6), h = 1e6 }))
    end)
  end)

  describe("compile()", function()
    it("returns a template to execute many times", function()
      local t = assert(tmpl.compile("{{ . }}!"))
      assert.are.equal("1!", t:execute(1))
      assert.are.equal("2!", t:execute(2))
    end)

    it("caches compiled templates by text", function()
      local a = assert(tmpl.compile("{{ 1 }}cached"))
      local b = assert(tmpl.compile("{{ 1 }}cached"))
      assert.are.equal(a.set, b.set)
    end)

    it("caches parse errors too", function()
      local _, e1 = tmpl.compile("{{ if }}")
      local _, e2 = tmpl.compile("{{ if }}")
      assert.are.equal(e1, e2)
    end)

    it("adds helper templates without touching the cached set", function()
      local t = assert(tmpl.compile('{{ include "h" . }}', { name = "main" }))
      local t2 = assert(tmpl.compile('{{ include "h" . }}', { name = "main" }))
      assert(t:parse('{{ define "h" }}H{{ . }}{{ end }}', "_helpers.tpl"))
      assert.are.equal("H1", t:execute(1))
      local _, err = t2:execute(1)
      assert.matches('no template "h"', err, 1, true)
    end)
  end)

  describe("new()", function()
    it("parses several files and executes one by name", function()
      local set = tmpl.new { name = "helmfile.yaml.gotmpl" }
      assert(set:parse('{{ define "labels" }}app: {{ .name }}{{ end }}', "_labels.tpl"))
      assert(set:parse('{{ template "labels" . }}', "helmfile.yaml.gotmpl"))
      assert.are.equal("app: web", set:execute("helmfile.yaml.gotmpl", map { name = "web" }))
      assert.is_true(set:lookup("labels"))
    end)

    it("reports a template that does not exist", function()
      local set = tmpl.new { name = "main" }
      local out, err = set:execute("nope", nil)
      assert.is_nil(out)
      assert.are.equal('template: no template "nope" associated with template "main"', err)
    end)

    it("reports parse errors with the file's name", function()
      local set = tmpl.new { name = "main" }
      local ok, err = set:parse("a\n{{ end }}", "_bad.tpl")
      assert.is_nil(ok)
      assert.are.equal("template: _bad.tpl:2: unexpected {{end}}", err)
    end)

    it("lets execute() override missingkey", function()
      local set = tmpl.new { name = "m" }
      assert(set:parse("{{ .x }}", "m"))
      assert.are.equal("<no value>", set:execute("m", map {}, { missingkey = "zero" }))
      assert.is_nil(set:execute("m", map {}))
    end)
  end)

  describe("functions", function()
    it("looks up opts.funcs first", function()
      local funcs = { upper = function(s) return "U:" .. s end, len = function() return 42 end }
      assert.are.equal("U:a 42", tmpl.render('{{ upper "a" }} {{ len "x" }}', nil, { funcs = funcs }))
    end)

    it("wraps a function's error as Go does", function()
      local funcs = { boom = function() error("it broke", 0) end }
      local _, err = tmpl.render("{{ boom 1 }}", nil, { funcs = funcs })
      assert.are.equal('template: stringTemplate:1:3: executing "stringTemplate" at <boom 1>: error calling boom: it broke', err)
    end)

    it("passes nil, null, ints, floats, maps and lists through", function()
      local seen = {}
      local funcs = { probe = function(...)
        for i = 1, select("#", ...) do seen[i] = value.kind((select(i, ...))) end
        return "ok"
      end }
      assert.are.equal("ok", tmpl.render("{{ probe nil .n 1 1.5 .m .l }}", map { n = value.null, m = map {}, l = list {} }, { funcs = funcs }))
      assert.are.same({ "null", "null", "int", "float", "map", "list" }, seen)
    end)

    it("passes the previous pipeline value last", function()
      local funcs = { join2 = function(a, b) return a .. "+" .. b end }
      assert.are.equal("x+y", tmpl.render('{{ "y" | join2 "x" }}', nil, { funcs = funcs }))
    end)

    it("gives the function library a context with render and include", function()
      local ctx = tmpl._ctx("/base", true)
      assert.are.equal("/base", ctx.basedir)
      assert.is_true(ctx.prerender)
      assert.are.equal("v", ctx.render("{{ .k }}", map { k = "v" }))
    end)

    it("stops runaway include recursion", function()
      local out, err = tmpl.render('{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" 1 }}', nil)
      assert.is_nil(out)
      assert.matches("nested reference name: r", err, 1, true)
    end)

    it("bounds nesting so hostile templates cannot exhaust the stack", function()
      local _, err = tmpl.render("{{ " .. string.rep("(", 5000) .. "1" .. string.rep(")", 5000) .. " }}", nil)
      assert.are.equal("template: stringTemplate:1: template nesting exceeds 1000 levels", err)
      _, err = tmpl.render(string.rep("{{ if 1 }}", 5000) .. string.rep("{{ end }}", 5000), nil)
      assert.are.equal("template: stringTemplate:1: template nesting exceeds 1000 levels", err)
      assert.are.equal("x", tmpl.render(string.rep("{{ with 1 }}", 900) .. "x" .. string.rep("{{ end }}", 900), nil))
    end)

    it("stops runaway template recursion", function()
      local out, err = tmpl.render('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" 1 }}', nil)
      assert.is_nil(out)
      assert.matches("exceeded maximum template depth (1000)", err, 1, true)
    end)
  end)

  describe("struct()", function()
    local function data()
      local env = tmpl.struct({ Name = "prod", Values = map { a = 1 } }, "environment.Environment",
        { "Name", "KubeContext", "Values" })
      return tmpl.struct({ Environment = env, Values = map {} }, "state.EnvironmentTemplateData",
        { "Environment", "Namespace", "Values" })
    end

    it("reads fields like a map", function()
      assert.are.equal("prod 1", tmpl.render("{{ .Environment.Name }} {{ .Environment.Values.a }}", data()))
    end)

    it("fails on unknown fields as Go does for structs, even with missingkey=zero", function()
      local _, err = tmpl.render("{{ .Environment.name }}", data(), { missingkey = "zero" })
      assert.are.equal('template: stringTemplate:1:15: executing "stringTemplate" at <.Environment.name>: '
        .. "can't evaluate field name in type environment.Environment", err)
    end)

    it("gives declared but unset fields the zero value of a string", function()
      assert.are.equal("[]", tmpl.render("[{{ .Environment.KubeContext }}]", data()))
    end)

    it("prints like Go's fmt", function()
      assert.are.equal("{prod  map[a:1]} {Name:prod KubeContext: Values:map[a:1]} environment.Environment",
        tmpl.render('{{ .Environment }} {{ printf "%+v %T" .Environment .Environment }}', data()))
    end)
  end)

  describe("when the function library fails to load", function()
    local saved = {}
    before_each(function()
      for _, name in ipairs { "hfl.stdlib", "hfl.stdlib.strings" } do
        saved[name] = package.loaded[name]
        package.loaded[name] = nil
      end
      package.preload["hfl.stdlib.strings"] = function()
        error("stdlib/strings.lua:12: attempt to index a nil value", 0)
      end
      tmpl.reset()
    end)
    after_each(function()
      package.preload["hfl.stdlib.strings"] = nil
      for name, mod in pairs(saved) do package.loaded[name] = mod end
      tmpl.reset()
    end)

    it("fails with an error naming the library and why, instead of rendering without functions", function()
      local ok, err = pcall(tmpl.render, '{{ upper "x" }}', nil)
      assert.is_false(ok)
      assert.are.equal("the template function library (hfl.stdlib) failed to load: "
        .. "stdlib/strings.lua:12: attempt to index a nil value", err)
    end)

    it("fails the same way for templates that use only Go's builtins", function()
      local ok, err = pcall(tmpl.render, '{{ len "abc" }}', nil)
      assert.is_false(ok)
      assert.matches("(hfl.stdlib) failed to load", err, 1, true)
    end)
  end)

  describe("hint()", function()
    it("suggests get for a missing key", function()
      local _, err = tmpl.render("{{ .Values.db.port }}", map { Values = map { db = map {} } })
      assert.are.equal('the key "port" is missing: use `get "db.port" "default" .Values` or `hasKey` to make it optional, or define it in your values', tmpl.hint(err))
    end)

    it("explains int/float comparisons", function()
      local _, err = tmpl.render("{{ eq 1 1.0 }}", nil)
      assert.matches("an int never equals a float", tmpl.hint(err), 1, true)
    end)

    it("has nothing to add to other errors", function()
      assert.is_nil(tmpl.hint("template: x:1: unclosed action"))
    end)
  end)
end)
