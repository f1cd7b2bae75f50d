-- JSON read as client-go reads Kubernetes objects (hfl.stdlib.json's decode with ints): the
-- values `lookup` gives templates. The int64 facts below were checked against helm 3.17.3 and
-- 4.1.4 rendering a looked-up Service (spec/integration/cluster_lookup_spec.lua). #unit
local json = require "hfl.stdlib.json"
local tmpl = require "hfl.tmpl"
local value = require "hfl.value"
local hyaml = require "hfl.chart.yaml"

local function render(src, data)
  local t = tmpl.new { name = "t", missingkey = "zero", funcs = { toYaml = hyaml.encode } }
  assert(t:parse(src, "t"))
  return assert(t:execute("t", data, { missingkey = "zero" }))
end

describe("json.decode with ints #unit", function()
  it("reads integer literals that fit int64 as ints, every other number as a float64", function()
    local v = assert(json.decode('{"a":3,"b":1.5,"c":1e3,"d":-0,"e":9223372036854775807,'
      .. '"f":9223372036854775808,"g":2.0,"h":-9223372036854775808}', { ints = true }))
    for _, k in ipairs { "a", "d", "e", "h" } do assert.equal("int", value.kind(v[k]), k) end
    for _, k in ipairs { "b", "c", "f", "g" } do assert.equal("float", value.kind(v[k]), k) end
    v.f = nil
    assert.equal("a: 3\nb: 1.5\nc: 1000\nd: 0\ne: 9223372036854775807\ng: 2\nh: -9223372036854775808",
      hyaml.encode(v))
    assert.equal("float", value.kind(assert(json.decode('{"a":3}')).a))
  end)

  it("gives templates int64s: their type, truth, arithmetic and DeepEqual as Go's", function()
    local v = assert(json.decode('{"p":80,"z":0,"ports":[{"port":80}]}', { ints = true }))
    assert.equal("int64 int64 int64 false|F T|81 160 26|true false false true|[80]|port: 80",
      render('{{ printf "%T" .p }} {{ kindOf .p }} {{ typeOf .p }} {{ kindIs "int" .p }}|'
        .. '{{ if .z }}T{{ else }}F{{ end }} {{ if .p }}T{{ end }}|'
        .. '{{ add .p 1 }} {{ mul .p 2 }} {{ div .p 3 }}|'
        .. '{{ eq .p 80 }} {{ has 80 (list .p) }} {{ deepEqual .p 80 }} {{ deepEqual .p (first .ports).port }}|'
        .. '{{ list .p }}|{{ toYaml (first .ports) }}', v))
  end)

  it("makes int64s behave as ints everywhere but where Go tells the types apart", function()
    local ints = assert(json.decode('{"p":80,"s":3,"z":0}', { ints = true }))
    local plain = value.map { p = 80, s = 3, z = 0 }
    -- reflect.DeepEqual (has, uniq, without, deepEqual) and the type tests differ in Go too
    local differs = { ['uniq (list .p .p 80)'] = true, ['without (list .p 80) 80'] = true,
      ['has .p (list 80)'] = true, ['kindIs "int64" .p'] = true, ['typeIs "int64" .p'] = true,
      ['kindIs "int" .p'] = true,
      -- a bad verb names the type: %!e(int64=80), as Go's fmt prints it
      ['printf "%05d|%x|%o|%b|%c|%q|%e|%f|%g|%v" .p .p .p .p .p .p .p .p .p .p'] = true }
    for _, e in ipairs {
      "add1 .p", "sub .p 1", "mod .p 7", "min .p 3", "max .p 3", "round .p 0", "ceil .p", "floor .p",
      'printf "%05d|%x|%o|%b|%c|%q|%e|%f|%g|%v" .p .p .p .p .p .p .p .p .p .p',
      "index (list 1 2 3 4) .s", "slice (list 1 2 3 4) .s",
      "ternary .p 1 true", "default 5 .p", "default 5 .z", "coalesce .z .p", "empty .z", "toString .p",
      "int64 .p", "float64 .p", "toJson (list .p .z)", 'toYaml (dict "a" .p)', "quote .p", "cat .p .z",
      "div .p 3", "mul .p 1.5", "add .p 0.5", 'join "," (list .p .z)', "ge .p 80", "ne .p 81",
      "gt .p .z", "and .p .z", "or .z .p", "not .z", "eq .z 0", "print .p .z", "toString (list .p)",
      'dig "a" 1 (dict "a" .p)', "deepCopy .p", 'uniq (list .p .p 80)', 'without (list .p 80) 80',
      'has .p (list 80)', 'kindIs "int64" .p', 'typeIs "int64" .p', 'kindIs "int" .p',
    } do
      local a, b = render("{{ " .. e .. " }}", ints), render("{{ " .. e .. " }}", plain)
      if differs[e] then assert.not_equal(b, a, e) else assert.equal(b, a, e) end
    end
    -- a parameter of type int refuses an int64, as text/template does (checked against both
    -- helms with `--set s=3`, in spec/unit/chart_strvals_spec.lua)
    for _, e in ipairs { "until .p | len", "seq 1 .s", 'repeat .s "ab"', 'trunc .s "abcdefgh"',
      'substr 1 .s "abcdefgh"', 'abbrev .s "abcdefghij"', 'indent .s "x"' } do
      assert.is_string(render("{{ " .. e .. " }}", plain))
      local t = tmpl.new { name = "t", missingkey = "zero" }
      assert(t:parse("{{ " .. e .. " }}", "t"))
      local out, err = t:execute("t", ints, { missingkey = "zero" })
      assert.is_nil(out, e)
      assert.matches("wrong type for value; expected int; got int64", err, 1, true)
    end
  end)
end)
