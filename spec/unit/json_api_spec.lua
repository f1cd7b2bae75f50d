local hfl = require "hfl"

describe("hfl.json #unit", function()
  it("encodes maps with sorted keys, lists and null as Go does, pretty with an indent", function()
    local v = hfl.value.map { b = hfl.value.list { 1, 2 }, a = hfl.null, c = "<x>" }
    assert.equal('{"a":null,"b":[1,2],"c":"<x>"}', hfl.json.encode(v))
    assert.equal('{"a":null,"b":[1,2],"c":"\\u003cx\\u003e"}', hfl.json.encode(v, { html = true }))
    assert.equal('{\n  "a": null,\n  "b": [\n    1,\n    2\n  ],\n  "c": "<x>"\n}',
      hfl.json.encode(v, { indent = "  " }))
  end)

  it("decodes into the value model, and bad text into nil and Go's error", function()
    local v = assert(hfl.json.decode('{"a": [1, {"b": null}], "c": {}}'))
    assert.equal("list", hfl.value.kind(v.a))
    assert.equal(hfl.null, v.a[2].b)
    assert.equal("map", hfl.value.kind(v.c))
    assert.equal(hfl.null, hfl.json.decode("null"))
    local bad, err = hfl.json.decode('{"a": }')
    assert.is_nil(bad)
    assert.matches("invalid character", err)
  end)
end)
