local yaml = require "hfl.yaml"
local value = require "hfl.value"
local null = value.null

local function dedent(s)
  local indent = s:match("^\n?( *)")
  s = s:gsub("^\n", ""):gsub("\n *$", "\n")
  return (s:gsub("\n" .. indent, "\n"):gsub("^" .. indent, ""))
end

describe("hfl.yaml #unit", function()
  describe("decode()", function()
    it("reads block and flow maps, lists and scalars", function()
      local v = assert(yaml.decode(dedent [[
        name: web
        ports: [80, 443]
        env: {LOG: debug}
        hosts:
          - a.example.com
          - b.example.com
      ]]))
      assert.equal("web", v.name)
      assert.same({ 80, 443 }, { v.ports[1], v.ports[2] })
      assert.equal("debug", v.env.LOG)
      assert.equal("b.example.com", v.hosts[2])
    end)

    it("decodes without recording key order when asked (order = false)", function()
      local v = assert(yaml.decode("kind: Job\nb: [1]\na: 2\n", { order = false }))
      assert.equal("map", value.kind(v))
      assert.equal("Job", v.kind)
      assert.same({ "a", "b", "kind" }, value.keys(v))
      assert.equal("x", yaml.decode("x", { order = false }))
    end)

    it("keeps ints and integral floats apart", function()
      local v = assert(yaml.decode("i: 1000000\nf: 1000000.0\ne: 1e3\n"))
      assert.equal("int", value.kind(v.i))
      assert.equal("float", value.kind(v.f))
      assert.equal("float", value.kind(v.e))
      assert.equal(1000, value.tonumber(v.e))
    end)

    it("keeps the exact digits of integers beyond 2^53", function()
      local v = assert(yaml.decode("a: 9007199254740993\nb: 18446744073709551615\nc: -9223372036854775808\n"))
      assert.equal("9007199254740993", tostring(v.a))
      assert.equal("18446744073709551615", tostring(v.b))
      assert.equal("-9223372036854775808", tostring(v.c))
      assert.equal("a: 9007199254740993\nb: 18446744073709551615\nc: -9223372036854775808\n", yaml.encode(v))
    end)

    it("resolves scalars as go-yaml v3 does by default", function()
      local v = assert(yaml.decode(dedent [[
        yes: yes
        on: on
        o: 0o755
        legacy: 0755
        hex: 0x1F
        under: 1_000
        inf: .inf
        ninf: -.Inf
        t: True
        date: 2001-12-14
        ver: 1.10
        eight: 08
      ]]))
      assert.equal("yes", v.yes)
      assert.equal("on", v.on)
      assert.equal(493, v.o)
      assert.equal(493, v.legacy)
      assert.equal(31, v.hex)
      assert.equal(1000, v.under)
      assert.equal(math.huge, v.inf)
      assert.equal(-math.huge, v.ninf)
      assert.is_true(v.t)
      assert.equal("2001-12-14", v.date)
      assert.equal(1.1, v.ver)
      -- Go's base-0 ParseInt rejects 08, and the float pattern then accepts it
      assert.equal("float", value.kind(v.eight))
    end)

    it("reads YAML 1.1 booleans with go-yaml v2 rules", function()
      local v = assert(yaml.decode("a: yes\nb: off\nc: y\n", { v2 = true }))
      assert.is_true(v.a)
      assert.is_false(v.b)
      assert.is_true(v.c)
    end)

    it("follows HELMFILE_GO_YAML_V3=false", function()
      local ffi = require "ffi"
      pcall(ffi.cdef, "int setenv(const char*, const char*, int); int unsetenv(const char*);")
      ffi.C.setenv("HELMFILE_GO_YAML_V3", "false", 1)
      local v = yaml.decode("a: on\n")
      ffi.C.unsetenv("HELMFILE_GO_YAML_V3")
      assert.is_true(v.a)
      assert.equal("on", yaml.decode("a: on\n").a)
    end)

    it("decodes null, ~ and empty values to hfl.null", function()
      local v = assert(yaml.decode("a: null\nb: ~\nc:\nd: Null\n"))
      for _, k in ipairs { "a", "b", "c", "d" } do assert.equal(null, v[k]) end
      assert.equal(null, yaml.decode(""))
    end)

    it("keeps empty maps and empty lists distinguishable", function()
      local v = assert(yaml.decode("m: {}\nl: []\n"))
      assert.equal("map", value.kind(v.m))
      assert.equal("list", value.kind(v.l))
      assert.equal("l: []\nm: {}\n", yaml.encode(v))
    end)

    it("honours explicit tags", function()
      local v = assert(yaml.decode('s: !!str 123\ni: !!int "42"\nf: !!float 1\nb: !!binary aGVsbG8=\nx: !custom thing\n'))
      assert.equal("123", v.s)
      assert.equal(42, v.i)
      assert.equal("float", value.kind(v.f))
      assert.equal("hello", v.b)
      assert.equal("thing", v.x)
      local _, err = yaml.decode("a: !!int abc\n", { filename = "t.yaml" })
      assert.equal("t.yaml:1:4: cannot decode !!str `abc` as a !!int", err)
    end)

    it("copies aliases, so changing one never changes another", function()
      local v = assert(yaml.decode("a: &x {p: 1}\nb: *x\n"))
      v.a.p = 2
      assert.equal(1, v.b.p)
      local m = yaml.merge(v, { a = { p = 3 } })
      assert.equal(3, m.a.p)
      assert.equal(1, m.b.p)
    end)

    it("applies merge keys: explicit keys win, earlier sources win", function()
      local v = assert(yaml.decode(dedent [[
        base: &base {x: 1, y: 1}
        extra: &extra {y: 2, z: 2}
        one:
          y: 9
          <<: *base
        two:
          <<: [*base, *extra]
      ]]))
      assert.same({ x = 1, y = 9 }, { x = v.one.x, y = v.one.y })
      assert.same({ 1, 1, 2 }, { v.two.x, v.two.y, v.two.z })
    end)

    it("rejects a merge of something that is not a map", function()
      local _, err = yaml.decode("a: &s hello\nb:\n  <<: *s\n", { filename = "m.yaml" })
      assert.matches("m.yaml:3:3: map merge requires map or sequence of maps as the value", err, 1, true)
    end)

    it("keeps map keys in document order for iteration", function()
      local v = assert(yaml.decode("zeta: 1\nalpha: 2\nmid: 3\n"))
      assert.same({ "zeta", "alpha", "mid" }, value.keys(v))
      assert.equal("zeta: 1\nalpha: 2\nmid: 3\n", yaml.encode(v, { sort = false }))
    end)

    it("tells where each key and list item was written, when asked", function()
      local t = assert(yaml.decode("a: 1\nreleases:\n  - name: x\n    chrat: y\n", { lines = true }))
      assert.equal(2, value.line(t, "releases"))
      assert.equal(3, value.line(t.releases, 1))
      assert.equal(4, value.line(t.releases[1], "chrat"))
      assert.is_nil(value.line(assert(yaml.decode("a: 1\n")), "a"))
    end)

    it("decodes the first document, and every document with decode_all", function()
      local text = "a: 1\n---\nb: 2\n--- 3\n"
      assert.equal(1, yaml.decode(text).a)
      local docs = assert(yaml.decode_all(text))
      assert.equal(3, #docs)
      assert.equal(2, docs[2].b)
      assert.equal(3, docs[3])
    end)

    describe("on bad input", function()
      local cases = {
        { "an unclosed quote", "a: 'open\n", "bad.yaml:2:1: found unexpected end of stream while scanning a quoted scalar" },
        { "bad indentation", "a:\n  b: 1\n c: 2\n", "bad.yaml:3:2: did not find expected key while parsing a block mapping" },
        { "tab indentation", "a:\n\tb: 1\n", "bad.yaml:2:1: found character that cannot start any token while scanning for the next token (a tab: YAML indentation must use spaces)" },
        { "a duplicate key", "a: 1\nb: 2\na: 3\n", 'bad.yaml:3:1: mapping key "a" already defined at line 1' },
        { "an unknown alias", "a: *nope\n", "bad.yaml:1:4: unknown anchor 'nope' referenced" },
        { "binary garbage", "\0\1\2\255\254garbage", "bad.yaml:" },
        { "a list as a key", "? [a]\n: 1\n", "bad.yaml:1:3: invalid map key: a map or list cannot be a key" },
      }
      for _, c in ipairs(cases) do
        it("reports " .. c[1] .. " with file, line and column", function()
          local v, err = yaml.decode(c[2], { filename = "bad.yaml" })
          assert.is_nil(v)
          assert.is_string(err)
          assert.equal(c[3], err:sub(1, #c[3]))
        end)
      end

      it("refuses a 100,000-deep document with a clear error #slow", function()
        local _, err = yaml.decode(("["):rep(100000) .. ("]"):rep(100000), { filename = "deep.yaml" })
        assert.matches("deep.yaml:%d+:%d+: exceeded max depth of 10000", err)
        local lines = {}
        for i = 1, 20000 do lines[i] = (" "):rep(i - 1) .. "k:" end
        _, err = yaml.decode(table.concat(lines, "\n"), { filename = "deep.yaml" })
        assert.matches("exceeded max depth of 10000", err, 1, true)
      end)

      it("stops an alias bomb (billion laughs) quickly", function()
        local doc = { "a: &a [x, x, x, x, x, x, x, x, x, x]" }
        local prev = "a"
        for i = 1, 9 do
          local name = string.char(97 + i)
          doc[#doc + 1] = ("%s: &%s [%s]"):format(name, name, ("*" .. prev .. ", "):rep(9) .. "*" .. prev)
          prev = name
        end
        local t0 = os.clock()
        local v, err = yaml.decode(table.concat(doc, "\n"), { filename = "bomb.yaml" })
        assert.is_nil(v)
        assert.matches("document contains excessive aliasing", err, 1, true)
        assert.is_true(os.clock() - t0 < 5)
      end)
    end)

    it("decodes a 50 MB file correctly #slow", function()
      local parts, n = {}, 0
      while n < 50 * 1024 * 1024 do
        local line = ("key%07d: %s\n"):format(#parts, ("v"):rep(200))
        parts[#parts + 1] = line
        n = n + #line
      end
      local v = assert(yaml.decode(table.concat(parts)))
      assert.equal(("v"):rep(200), v.key0000000)
      assert.equal(#parts, #value.keys(v))
    end)
  end)

  describe("head()", function()
    it("reads a document's kind and helm.sh/hook annotation as decode() with v2 does", function()
      local function head(text)
        local kind, hook = yaml.head(text)
        return { kind = kind, hook = hook }
      end
      assert.same({ kind = "Job", hook = "pre-install,post-install" }, head(dedent [[
        kind: Job
        metadata:
          name: x
          annotations:
            a: null
            helm.sh/hook: pre-install,post-install
      ]]))
      assert.same({ kind = "" }, head(""))
      assert.same({ kind = "" }, head("~"))
      assert.same({ kind = "" }, head("kind: null\nmetadata: null"))
      -- the last of duplicate keys wins, as in the decoded table; merge keys and aliases count
      assert.same({ kind = "Pod" }, head("kind: Job\nkind: Pod"))
      assert.same({ kind = "Job", hook = "test" },
        head("x: &a {annotations: {helm.sh/hook: test}}\nkind: Job\nmetadata:\n  <<: *a"))
      assert.same({ kind = "Job" }, head("kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: ~"))
    end)

    it("says why for what SimpleHead cannot hold, and for text that is not YAML", function()
      for text, why in pairs { ["- a"] = "not a map", ["kind: yes"] = "kind is not a string",
        ["kind: 1"] = "kind is not a string", ["metadata: x"] = "metadata",
        ["metadata: {annotations: []}"] = "annotations",
        ["metadata: {annotations: {a: 1}}"] = "an annotation is not a string" } do
        local kind, err = yaml.head(text)
        assert.is_nil(kind)
        assert.equal(why, err)
        -- decode() reads the same text without complaint: the verdict is the field's type
        assert.is_not_nil(yaml.decode(text, { v2 = true }))
      end
      local kind, err = yaml.head("a: [")
      assert.is_nil(kind)
      assert.matches("^<input>:%d+:%d+: ", err)
    end)
  end)

  describe("encode()", function()
    it("quotes strings exactly when a reader would mistake them", function()
      local cases = {
        { "yes", '"yes"' }, { "on", '"on"' }, { "Off", '"Off"' }, { "y", '"y"' }, { "1.0", '"1.0"' },
        { "0755", '"0755"' }, { "0x1F", '"0x1F"' }, { "null", '"null"' }, { "~", '"~"' }, { "", '""' },
        { "true", '"true"' }, { "2001-12-14", '"2001-12-14"' }, { "1:20", '"1:20"' }, { ".inf", '".inf"' },
        { " lead", "' lead'" }, { "trail ", "'trail '" }, { "a: b", "'a: b'" }, { "#x", "'#x'" },
        { "a #b", "'a #b'" }, { "- x", "'- x'" }, { "*ref", "'*ref'" }, { "it's", "it's" },
        { "'q'", "'''q'''" }, { "tab\there", '"tab\\there"' }, { "plain text", "plain text" },
        { "a:b", "a:b" }, { "http://x.io/a#b", "http://x.io/a#b" }, { "ünïcode", "ünïcode" },
        { "bell\7", '"bell\\a"' }, { "emoji 😀", '"emoji \\U0001F600"' },
      }
      for _, c in ipairs(cases) do
        assert.equal("v: " .. c[2] .. "\n", yaml.encode({ v = c[1] }), "encoding " .. ("%q"):format(c[1]))
      end
    end)

    it("writes multi-line strings as literal blocks with go-yaml's chomping", function()
      assert.equal("a: |-\n  one\n  two\n", yaml.encode({ a = "one\ntwo" }))
      assert.equal("a: |\n  one\n  two\n", yaml.encode({ a = "one\ntwo\n" }))
      assert.equal("a: |2-\n    indented\n  next\n", yaml.encode({ a = "  indented\nnext" }))
      assert.equal("a: \"trailing \\nspace\"\n", yaml.encode({ a = "trailing \nspace" }))
      assert.equal("- |-\n  x\n\n  y\n", yaml.encode({ "x\n\ny" }))
    end)

    it("sorts keys as go-yaml does, numbers inside keys numerically", function()
      assert.equal("a1: 1\na2: 2\na10: 3\nb: 4\n", yaml.encode({ b = 4, a10 = 3, a2 = 2, a1 = 1 }))
    end)

    it("nests maps and lists with go-yaml v3's indentation", function()
      local v = { a = { b = { 1, 2 }, c = { { d = 1, e = { "x" } }, {} } } }
      assert.equal(dedent [[
        a:
          b:
            - 1
            - 2
          c:
            - d: 1
              e:
                - x
            - {}
      ]], yaml.encode(v))
      assert.equal("- - a\n  - b\n- c\n", yaml.encode({ { "a", "b" }, "c" }))
    end)

    it("prints numbers the way Go does", function()
      local v = { 1.5, value.float(1e6), value.float(1), 123456789, 0.0001, 0.00001, -2.5e-7, math.huge, -math.huge }
      assert.equal("- 1.5\n- 1e+06\n- 1\n- 123456789\n- 0.0001\n- 1e-05\n- -2.5e-07\n- .inf\n- -.inf\n", yaml.encode(v))
    end)

    it("writes scalars at the root as go-yaml does", function()
      assert.equal("null\n", yaml.encode(null))
      assert.equal("{}\n", yaml.encode(value.map()))
      assert.equal("[]\n", yaml.encode(value.list()))
      assert.equal("\"yes\"\n", yaml.encode("yes"))
    end)

    it("round-trips every kind of value", function()
      local v = value.map {
        s = "text", q = "yes", e = "", n = null, t = true, f = false, i = 42, neg = -7, fl = 2.25,
        bf = value.float(3e6), big = value.int("9223372036854775807"), ml = "a\nb\n", m = value.map(),
        l = value.list(), nested = { x = { y = { "z", { w = 1 } } } }, keys = { ["a: b"] = 1, ["yes"] = 2 },
      }
      local back = assert(yaml.decode(assert(yaml.encode(v))))
      assert.is_true(value.equal(v, back))
    end)

    it("writes integral floats below 1e6 as Go does, so they read back as ints", function()
      assert.equal("3\n", yaml.encode(value.float(3)))
      assert.equal("int", value.kind(yaml.decode(yaml.encode(value.float(3)))))
      assert.equal("float", value.kind(yaml.decode(yaml.encode(value.float(3e6)))))
    end)

    it("refuses values YAML cannot hold", function()
      local _, err = yaml.encode({ f = print })
      assert.matches("cannot encode a function value", err, 1, true)
      local cyclic = {}
      cyclic.self = cyclic
      _, err = yaml.encode(cyclic)
      assert.matches("nested deeper than 10000 levels", err, 1, true)
    end)
  end)

  describe("merge()", function()
    it("merges maps deeply and replaces scalars and lists", function()
      local m = yaml.merge({ a = { b = 1, c = 2 }, l = { 1, 2, 3 }, s = "x" }, { a = { c = 3, d = 4 }, l = { 9 }, s = "y" })
      assert.equal("a:\n  b: 1\n  c: 3\n  d: 4\nl:\n  - 9\ns: \"y\"\n", yaml.encode(m))
    end)

    it("keeps the base value when the override is null (Helmfile's layers)", function()
      local m = yaml.merge({ a = 1, b = { c = 1 } }, { a = null, b = null, new = null })
      assert.equal(1, m.a)
      assert.equal(1, m.b.c)
      assert.equal(null, m.new)
    end)

    it("sets or deletes on null when asked (mergo and Helm rules)", function()
      assert.equal(null, yaml.merge({ a = 1 }, { a = null }, { nulls = "set" }).a)
      local m = yaml.merge({ a = 1, b = 2 }, { a = null, c = null }, { nulls = "delete" })
      assert.same({ "b" }, value.keys(m))
    end)

    it("merges a list element by element when the override list holds a null", function()
      local m = yaml.merge({ l = { { a = 1 }, "keep", "x" } }, { l = { { b = 2 }, null, "y", "new" } })
      assert.equal(1, m.l[1].a)
      assert.equal(2, m.l[1].b)
      assert.equal("keep", m.l[2])
      assert.equal("y", m.l[3])
      assert.equal("new", m.l[4])
      local r = yaml.merge({ l = { 1, 2 } }, { l = { null } }, { lists = "replace" })
      assert.equal(1, #r.l)
    end)

    it("leaves its inputs unchanged", function()
      local base, over = { a = { b = 1 } }, { a = { b = 2 } }
      yaml.merge(base, over)
      assert.equal(1, base.a.b)
    end)
  end)

  describe("merge_all()", function()
    local layers = {
      yaml.decode("a: {b: 1, c: [1, 2]}\nkeep: 1\nl: [1, null, 3]\n"),
      yaml.decode("a: {c: [9], d: x}\nkeep: null\nl: [7]\ngone: 1\n"),
      yaml.decode("a: {b: 1.0, e: {f: 18446744073709551616}}\ngone: null\nl: [null, 8]\n"),
    }

    for _, opts in ipairs { {}, { nulls = "set", lists = "replace" }, { nulls = "delete" } } do
      it(("gives what chained merge() calls give (nulls=%s, lists=%s)"):format(opts.nulls or "keep",
        opts.lists or "elementwise"), function()
        local chained = yaml.merge(yaml.merge(layers[1], layers[2], opts), layers[3], opts)
        local all = yaml.merge_all(layers, opts)
        assert.are.equal(yaml.encode(chained, { sort = false }), yaml.encode(all, { sort = false }))
        assert.is_true(value.equal(chained, all))
      end)
    end

    it("returns a copy of a single value and leaves the inputs alone", function()
      local before = yaml.encode(layers[1], { sort = false })
      local m = yaml.merge_all { layers[1] }
      assert.are_not.equal(layers[1], m)
      assert.are.equal(before, yaml.encode(m, { sort = false }))
      yaml.merge_all(layers, { nulls = "delete" })
      assert.are.equal(before, yaml.encode(layers[1], { sort = false }))
    end)

    it("raises on an empty list (misuse)", function()
      assert.has_error(function() yaml.merge_all {} end)
    end)
  end)

  describe("trees (values kept in C)", function()
    local tmp = os.tmpname()
    after_each(function() os.remove(tmp) end)

    it("parse → merge → encode gives what the Lua path gives", function()
      local a, b = "x:\n  y: 1\n  l: [1, 2]\nz: keep\n", "x:\n  y: 2\n  l: [3]\nnew: 1\n"
      local t = assert(yaml.parse(a)):merge(assert(yaml.parse(b)))
      assert.equal(yaml.encode(yaml.merge(yaml.decode(a), yaml.decode(b))), t:encode())
      assert.equal(2, t:value().x.y)
    end)

    it("does not change the tree merged from", function()
      local a, b = assert(yaml.parse("m: {k: 1}\n")), assert(yaml.parse("m: {k: 2, j: 3}\n"))
      a:merge(b)
      a:merge(assert(yaml.parse("m: {j: 4}\n")))
      assert.equal("m:\n  j: 3\n  k: 2\n", b:encode())
    end)

    it("writes a file whole, through a temporary file", function()
      assert(assert(yaml.parse("a: 1\n")):write(tmp))
      local f = assert(io.open(tmp))
      assert.equal("a: 1\n", f:read("*a"))
      f:close()
      local dir = tmp:match("^(.*)/")
      local leftovers = io.popen("ls " .. dir .. " | grep -c '" .. tmp:match("[^/]+$") .. ".tmp' || true"):read("*l")
      assert.equal("0", leftovers)
    end)

    it("reports a file it cannot write", function()
      local ok, err = assert(yaml.parse("a: 1\n")):write("/nonexistent-dir/values.yaml")
      assert.is_nil(ok)
      assert.matches("/nonexistent%-dir/values.yaml: cannot create a temporary file", err)
    end)
  end)
end)

describe("hfl.yaml #unit found by fuzzing (spec/support/fuzz)", function()
  describe("decode()", function()
    it("keeps a !!merge-tagged scalar as a string, as go-yaml does", function()
      local v = assert(yaml.decode("a: !!merge foo\nb: !!merge 1\n!!merge c: 2\n"))
      assert.equal("foo", v.a)
      assert.equal("1", v.b)
      assert.equal(2, v.c)
      assert.equal("a: foo\nb: \"1\"\nc: 2\n", yaml.encode(v))
    end)

    it("still merges a << key tagged !!merge", function()
      assert.equal("a: 1\nb: 2\n", yaml.encode(assert(yaml.decode("? !!merge <<\n: {a: 1}\nb: 2\n"))))
    end)

    it("refuses a !!timestamp that is not a timestamp, as go-yaml does", function()
      local v, err = yaml.decode("a: !!timestamp foo\n")
      assert.is_nil(v)
      assert.equal("<input>:1:4: cannot decode !!str `foo` as a !!timestamp", err)
      v, err = yaml.decode("a: !!timestamp 1\n")
      assert.is_nil(v)
      assert.equal("<input>:1:4: cannot decode !!int `1` as a !!timestamp", err)
      assert.equal("2001-01-01", assert(yaml.decode("a: !!timestamp 2001-01-01\n")).a)
    end)

    -- (found reading the decoder while fuzzing: "aGk=aGk=" decoded to "hi\x1A\x1A")
    it("reads !!binary as Go's strict base64 does: padding required, line breaks only", function()
      for _, bad in ipairs({ "aGk", [["aG k="]], [["aGk=\taGk="]], "a=Gk", "aGk=aGk=", "aGVsbG8=====", "a" }) do
        local v, err = yaml.decode("a: !!binary " .. bad .. "\n")
        assert.is_nil(v, bad)
        assert.equal("<input>:1:4: !!binary value contains invalid base64 data", err)
      end
      for text, want in pairs({ ["aGk="] = "hi", ["aGl="] = "hi", ['""'] = "", [ [["aGVs\r\nbG8h"]] ] = "hello!",
                                [ [["aGVsbA=\n="]] ] = "hell", ["|\n  aGVs\n  bG8=\n"] = "hello" }) do
        assert.equal(want, assert(yaml.decode("a: !!binary " .. text .. "\n")).a, text)
      end
    end)

    it("does not read a tagged scalar past a NUL escape", function()
      -- (the message quotes the text up to the NUL; go-yaml's quotes all of it)
      for _, case in ipairs({ { "!!int", [["1\0"]], "`1`" }, { "!!bool", [["true\0x"]], "`true`" },
                              { "!!float", [["1.5\0"]], "`1.5`" }, { "!!null", [["\0"]], "``" } }) do
        local v, err = yaml.decode("a: " .. case[1] .. " " .. case[2] .. "\n")
        assert.is_nil(v)
        assert.equal("<input>:1:4: cannot decode !!str " .. case[3] .. " as a " .. case[1], err)
      end
      assert.equal("1\0", assert(yaml.decode([[a: !!str "1\0"]])).a)
    end)
  end)

  describe("merge()", function()
    it("with nulls = delete never adds a null key, however deep the override's new value", function()
      local over = assert(yaml.decode("a: null\nb: {c: null, d: 1, e: [{f: null, g: 2}]}\nx: {y: null, z: 2}\n"))
      local opts = { nulls = "delete" }
      local once = yaml.merge(assert(yaml.decode("x: 1\nkeep: {k: null}\n")), over, opts)
      assert.equal("x:\n  z: 2\nkeep:\n  k: null\nb:\n  d: 1\n  e:\n    - g: 2\n", yaml.encode(once, { sort = false }))
      assert.equal(yaml.encode(once), yaml.encode(yaml.merge(once, over, opts)))
      assert.equal("b:\n  d: 1\n  e:\n    - g: 2\nx:\n  z: 2\n", yaml.encode(yaml.merge(null, over, opts)))
      local t = assert(yaml.parse("")):merge(assert(yaml.parse("-05:00paced:\n")), opts)
      assert.equal("{}\n", t:encode())
    end)
  end)

  describe("tree:merge()", function()
    -- (found reading the merge while fuzzing: every deleted key rebuilt the key index)
    it("deletes keys of a big map in linear time, keeping the order of the rest", function()
      local base, over, want = {}, {}, {}
      for i = 1, 100000 do
        base[i] = ("k%d: %d"):format(i, i)
        over[#over + 1] = i % 2 == 0 and ("k%d: null"):format(i) or nil
        want[#want + 1] = i % 2 == 1 and base[i] or nil
      end
      local t = assert(yaml.parse(table.concat(base, "\n")))
      local o = assert(yaml.parse(table.concat(over, "\n") .. "\nnew: 1\n"))
      local t0 = os.clock()
      t:merge(o, { nulls = "delete" })
      assert.is_true(os.clock() - t0 < 5)
      assert.equal(table.concat(want, "\n") .. "\nnew: 1\n", yaml.encode(t:value(), { sort = false }))
    end)
  end)

  describe("encode()", function()
    -- (found reading the binding while fuzzing: the recorded-order check was quadratic)
    it("writes a decoded 100000-key map in document order in linear time", function()
      local parts = {}
      for i = 100000, 1, -1 do parts[#parts + 1] = ("k%d: %d"):format(i, i) end
      local text = table.concat(parts, "\n") .. "\n"
      local v = assert(yaml.decode(text))
      v.extra = 1
      local t0 = os.clock()
      local out = assert(yaml.encode(v, { sort = false }))
      local merged = yaml.merge(v, v)
      assert.is_true(os.clock() - t0 < 5)
      assert.equal(text .. "extra: 1\n", out)
      assert.equal(out, yaml.encode(merged, { sort = false }))
    end)

    -- go-yaml's key order has cycles there ("a9" < "a9223372036854775808" < "a1" < "a9"), so
    -- its own output depends on Go's map order; hfl's must at least read back and stay put
    it("writes sorted keys that, decoded and sorted again, stay in place", function()
      for _, text in ipairs({ "a1b: 1\na1: 2\na9: 4\na00: 5\na0: 6\na9223372036854775808: 7\na: 8\n",
                              "a0: 1\na09: 2\na9223372036854775808: 4\na01: 5\na9: 6\na: 7\na10: 8\nb: 9\n" }) do
        local once = yaml.encode(assert(yaml.decode(text)))
        assert.equal(once, yaml.encode(assert(yaml.decode(once))))
        assert.equal(once, assert(yaml.parse(once)):encode())
      end
    end)

    it("sorts keys with digit runs past int64 the way Go's wrapping arithmetic does", function()
      -- go-yaml's key order reads "33333333333333333333" as a wrapped (negative) int64
      local m = assert(yaml.decode("a4: 2\na33333333333333333333: 1\nb99999999999999999999: 2\nb5: 1\n"))
      assert.equal("a33333333333333333333: 1\na4: 2\nb5: 1\nb99999999999999999999: 2\n", yaml.encode(m))
    end)
  end)
end)
