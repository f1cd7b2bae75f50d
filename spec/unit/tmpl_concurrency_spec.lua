-- hfl.tmpl rendering in many coroutines at once: an execution's state travels with it, so
-- renders that yield inside `exec` (a real child process) interleave and each gets its own
-- include/tpl/readFile results. #unit
local tmpl = require "hfl.tmpl"
local proc = require "hfl.proc"
local value = require "hfl.value"

local N = 12

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- A shell snippet that marks this render as started and waits (≤ 10 s) until all N renders
-- are inside their exec at the same time, then prints `word`: the renders must interleave.
local function rendezvous(dir, i, word)
  return ("touch %s/started/%d; n=0; while [ $(ls %s/started | wc -l) -lt %d ]; do "
    .. "n=$((n+1)); [ $n -gt 1000 ] && exit 9; sleep 0.01; done; echo %s"):format(dir, i, dir, N, word)
end

-- Template i: its own `define`, an exec that meets the others, an include of the define fed
-- with the exec's output, a tpl whose text runs a second exec (sleeping so they finish in
-- reverse order) and reads a file, and readFile against its own basedir.
local function template_text(dir, i)
  return table.concat {
    ('{{ define "who" }}set%d:{{ .Met }}:{{ .Extra }}{{ end }}'):format(i),
    ('{{- $e := exec "sh" (list "-c" %q) | trim -}}'):format(rendezvous(dir, i, "met" .. i)),
    '{{ include "who" (dict "Extra" .extra "Met" $e) }}',
    ' {{ tpl .tpl_text . }}',
    ' {{ readFile "data.txt" | trim }}',
  }
end

describe("hfl.tmpl under concurrent coroutines #unit", function()
  local dir

  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/started"))
    for i = 1, N do
      assert(os.execute(("mkdir -p %s/d%d"):format(dir, i)))
      write(("%s/d%d/data.txt"):format(dir, i), "file-of-" .. i .. "\n")
    end
  end)

  after_each(function() os.execute("rm -rf " .. dir) end)

  it("gives every interleaved render its own exec, include, tpl and readFile results", function()
    local items = {}
    for i = 1, N do items[i] = i end
    local results = proc.map(items, N, function(i)
      local set = tmpl.new { name = "t" .. i }
      assert(set:parse(template_text(dir, i), "t" .. i))
      local data = value.map {
        extra = "x" .. i,
        tpl_text = ('{{ exec "sh" (list "-c" "sleep 0.0%d; echo tpl%d") | trim }}-{{ .extra }}-{{ readFile "data.txt" | trim }}')
          :format(N - i < 10 and N - i or 9, i),
      }
      local out, err = set:execute("t" .. i, data, { basedir = ("%s/d%d"):format(dir, i) })
      return out or ("ERROR " .. tostring(err))
    end)
    for i = 1, N do
      assert.are.equal(("set%d:met%d:x%d tpl%d-x%d-file-of-%d file-of-%d"):format(i, i, i, i, i, i, i),
        results[i])
    end
  end)

  it("keeps each render's missingkey and error apart while they interleave", function()
    local items, texts = {}, {}
    for i = 1, N do items[i] = i end
    local results = proc.map(items, N, function(i)
      local text = ('{{ $e := exec "sh" (list "-c" %q) | trim }}{{ $e }} {{ .missing }}')
        :format(rendezvous(dir, i, "met" .. i))
      texts[i] = text
      local mode = i % 2 == 0 and "zero" or "error"
      local out, err = tmpl.render(text, value.map {}, { name = "r" .. i, missingkey = mode })
      return out or err
    end)
    for i = 1, N do
      if i % 2 == 0 then
        assert.are.equal(("met%d <no value>"):format(i), results[i])
      else
        assert.are.equal(('template: r%d:1:%d: executing "r%d" at <.missing>: map has no entry for key "missing"')
          :format(i, texts[i]:find(".missing", 1, true) - 1, i), results[i])
      end
    end
  end)
end)
