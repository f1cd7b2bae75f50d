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
end)
