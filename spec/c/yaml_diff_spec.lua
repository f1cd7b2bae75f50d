-- Differential specs: hfl.yaml against go-yaml, the library Helm and Helmfile use, run as the
-- oracle build/yamlref (spec/support/yamlref/, built by `make deps` / `make oracle`).
--
-- Inputs: the values files in spec/fixtures/yaml/corpus/, tables of small documents and
-- single scalars, and from spec/support/yamlgen.lua YAML texts in hand-written styles and
-- generated values. For each:
--   decode  hfl's decode equals go-yaml v3's (and v2's with {v2 = true}), kinds included;
--   encode  hfl's encode equals what go-yaml v3 writes with indent 2, byte for byte;
--   round   decode(encode(x)) == x, and go-yaml reads hfl's output back as x.
-- go-yaml writes an integral float64 as `1`, which reads back as an int; both sides are
-- held to that (oracle.dump's go_roundtrip). Where go-yaml's own output does not read back
-- as x, the byte-for-byte check is pending (with the reason) rather than asserted.
local oracle = require "support.oracle"
local yamlgen = require "support.yamlgen"

local CORPUS = "spec/fixtures/yaml/corpus"
-- HFL_YAML_DIFF_SEED and HFL_YAML_DIFF_SCALE (a multiplier) explore beyond the fixed cases:
--   HFL_YAML_DIFF_SEED=7 HFL_YAML_DIFF_SCALE=10 busted spec/c/yaml_diff_spec.lua
local SCALE = tonumber(os.getenv("HFL_YAML_DIFF_SCALE")) or 1
local GENERATED = math.floor(300 * SCALE)
local SOURCES = math.floor(150 * SCALE)
local SEED = tonumber(os.getenv("HFL_YAML_DIFF_SEED")) or 20261121

-- Differences hfl keeps on purpose: a test whose full name contains `match` and fails is
-- reported as pending with `reason` instead. Each entry is a decision, so say why.
--   { match = 'scalar "2001-12-14" decodes as go-yaml v3', reason = "timestamps stay strings" },
local ACCEPTED = {
  -- Deliberate differences (README, "YAML"): each turns into a pending spec with its reason.
  { match = "timestamps.yaml", reason = "hfl keeps unquoted timestamps as strings; go-yaml v3 makes time.Time values" },
  { match = '"2001-12-1', reason = "hfl keeps unquoted timestamps as strings; go-yaml v3 makes time.Time values" },
  { match = '"2002-12-14"', reason = "hfl keeps unquoted timestamps as strings; go-yaml v3 makes time.Time values" },
  { match = '"!!timestamp 2001-12-14"', reason = "hfl keeps timestamps as strings; go-yaml v3 makes time.Time values" },
  { match = "x?", reason = "libyaml reads a plain `x?` inside flow collections; go-yaml's scanner rejects it" },
}

-- Single scalars as a values file would hold them: `v: <source>`.
local SCALARS = {
  "yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "true", "false", "True", "TRUE",
  "False", "tRUE", "null", "Null", "NULL", "nULL", "~", "", "0", "-0", "+0", "00", "0755",
  "0o755", "0O755", "0x1F", "0X1F", "0x1f", "-0x1F", "0b1010", "-0b101", "0o", "08", "09", "0755.5",
  "1_000", "1__0", "1_000.5", "+1", "-1", "+12", "012345", "1.0", "1.", ".5", "-.5", "+.5",
  "1e6", "1E6", "1e+06", "1e-7", "1.5e3", "1.5E+3", "6.02e23", "1e400", "-1e400", "1.7976931348623157e308",
  "4.9e-324", "0.1", "0.30000000000000004", "3.14159265358979323846", "100000000000000000000",
  "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
  "-9223372036854775809", "18446744073709551615", "18446744073709551616",
  "123456789012345678901234567890", ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN",
  ".NAN", "inf", "nan", "NaN", "Infinity", "190:20:30", "1:20", "12:30:45.5", "2001-12-14",
  "2001-12-14T21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
  "2001-12-15T02:59:43.1Z", "2002-12-14", "2001-13-14", "1.2.3", "v1", "=", "<<",
  "'yes'", "'0755'", "'1.0'", "''", "'it''s'", "\"yes\"", "\"\"", "\"a\\tb\"", "\"\\u00e9\"",
  "\"\\x41\"", "\"\\U0001F389\"", "\"line1\\nline2\"", "\"\\0\"", "\"\\/\"", "\"a\\\n  b\"",
  "!!str 123", "!!str yes", "!!str", "!!int \"42\"", "!!int 0x10", "!!float 1", "!!float \"2\"",
  "!!bool yes", "!!bool true", "!!null ''", "!!binary aGVsbG8=", "!custom value", "!!map {a: 1}",
  "!!seq [1]", "!!timestamp 2001-12-14", "|\n  literal\n", "|-\n  literal\n", "|+\n  literal\n\n",
  ">\n  folded\n  text\n\n  para\n", ">-\n  folded\n  text\n", "|2\n    indented\n", "[]", "{}",
  "[a, b, c]", "{a: 1, b: [2, 3]}", "[yes, no, on, 0755, 1.0, ~]", "{? a, b: }",
  "&anchor value", "- a\n  - b", "a b c", "a  b", "a # comment", "a#b", "\"a # b\"", "'#'",
  "http://example.com:8080/path?q=1#frag", "C:\\path", "ünïcödé", "日本語", "🎉",
  "plain with trailing spaces   ", "\"trailing \"", "- x", "-x", "--x", "?x", ":x", "x:",
}

-- Small whole documents: duplicate keys, merges, complex keys, tags, line endings, markers.
local DOCUMENTS = {
  "a: 1\na: 2\n", "a: 1\nA: 2\n", "yes: 1\non: 2\n", "a: &x 1\nb: *x\n",
  "<<: {a: 1}\nb: 2\n", "b: 2\n<<: {a: 1, b: 1}\n", "x:\n  <<: [{a: 1}, {a: 2, b: 2}]\n",
  "base: &b {a: 1}\nx:\n  <<: *b\n  <<: {c: 3}\n", "x: {<<: [], a: 1}\n", "x:\n  <<: ~\n",
  "base: &b [1, 2]\nx:\n  <<: *b\n", "? [a, b]\n: c\n", "? {a: 1}\n: x\n", "? |\n  block key\n: v\n",
  "*unknown\n", "a: &a [*a]\n", "&a a: 1\n", "a: !!binary aGk=\n", "- !!str\n- !!null\n",
  "a:\n\tb: 1\n", "\239\187\191a: 1\n", "a: 1 # c\n#c\n", "a: 1\r\nb: |\r\n  x\r\n  y\r\n",
  "key: 'multi\n  line\n\n  single'\n", "key: \"multi\n  line \\\n  joined\"\n", "a: >\n\n  x\n",
  "--- \n...\n", "%YAML 1.2\n---\na: 1\n", "--- >\n  folded\n  doc\n", "--- |\n  lit\n--- 2\n",
  "a: b: c\n", "a: 'unclosed\n", "a:\n  - b\n  c: d\n", "[1, 2\n", "{a: 1, a: 2}\n",
  "a: {b: x?}\n", "a: [x?]\n", "a: \"\\N\\_\\L\\P\"\n", "a: !<tag:yaml.org,2002:str> 123\n",
  "a: !!set {x, y}\n", "a: !!omap [x: 1, y: 2]\n", "a: !!int 1.5\n", "a: !!float abc\n",
  "a: !!bool maybe\n", "a: !!null x\n", "- - - - - deep\n", "a:\n- 1\n- 2\nb: 3\n",
  "a:    \n  b\n", "a: |-\n\n  leading blank\n", "a: |\n  x\n\n\n", "a: >+\n  x\n\n",
  "a: -\n", "a: - b\n", "- a\n-\n- c\n", "a: ''\nb: \"\"\nc:\n", "a: 0x\nb: 0o\nc: 0b\n",
  "a: 0xG\nb: 0o8\nc: 0b2\n", "a: 1e\nb: e1\nc: 1e+\n", "a: 1.2e3.4\n", "a: +-1\n",
  "a: 0x8000000000000000\nb: 0xFFFFFFFFFFFFFFFF\nc: 0x10000000000000000\n",
  "a: -0x1\nb: -0o7\nc: -0b1\n", "a: 0o0777\nb: 00777\nc: 0_7\n",
}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function corpus_files()
  local names = {}
  local ok, lfs = pcall(require, "lfs")
  if ok then
    for name in lfs.dir(CORPUS) do
      if name:match("%.ya?ml$") then names[#names + 1] = name end
    end
  else
    local p = assert(io.popen("ls " .. CORPUS))
    for name in p:lines() do
      if name:match("%.ya?ml$") then names[#names + 1] = name end
    end
    p:close()
  end
  table.sort(names)
  return names
end

-- Where two texts first differ, with a little context of each.
local function first_difference(a, b, left)
  if a == b then return "" end
  local line, i = 1, 1
  while i <= #a and i <= #b and a:byte(i) == b:byte(i) do
    if a:byte(i) == 10 then line = line + 1 end
    i = i + 1
  end
  local function around(s)
    return ("%q"):format(s:sub(math.max(1, i - 60), i + 60))
  end
  left = left or "go-yaml"
  return ("first difference at byte %d (line %d):\n  %-8s %s\n  %-8s %s\n"):format(
    i, line, left .. ":", around(a), "hfl:", around(b))
end

-- Fails with both sides in full. `left` names the expected side ("go-yaml" unless given).
local function mismatch(case, what, expected, actual, input, left)
  left = left or "go-yaml"
  local parts = {
    ("%s: %s differs from %s"):format(case, what, left == "go-yaml" and "go-yaml" or "the value"),
    first_difference(expected, actual, left),
    "--- " .. left .. ":", expected,
    "--- hfl:", actual,
  }
  if input then
    parts[#parts + 1] = "--- input:"
    parts[#parts + 1] = #input > 4000 and input:sub(1, 4000) .. "\n[… " .. #input .. " bytes]" or input
  end
  error(table.concat(parts, "\n"), 0)
end

-- `out` or `!error: msg`: how a result reads in a failure message.
local function shown(out, err)
  if err then return (out or "") .. "!error: " .. err end
  return out
end

local function hfl_yaml()
  local ok, yaml = pcall(require, "hfl.yaml")
  if not ok then error("require 'hfl.yaml' failed: " .. tostring(yaml), 0) end
  for _, f in ipairs { "decode", "decode_all", "encode" } do
    if type(yaml[f]) ~= "function" then error("hfl.yaml." .. f .. " is missing", 0) end
  end
  return yaml
end

-- hfl's decode of every document, as a typed dump; nil, err when hfl reports an error.
local function hfl_decode(text, opts)
  local yaml = hfl_yaml()
  local docs, err = yaml.decode_all(text, opts)
  if not docs then return nil, tostring(err) end
  return oracle.dump_docs(docs), nil, docs
end

local function hfl_encode_docs(docs)
  local yaml = hfl_yaml()
  local out = {}
  for i, d in ipairs(docs) do out[i] = yaml.encode(d) end
  return table.concat(out, "---\n")
end

-- decode: both sides succeed with the same dump, or both fail.
local function check_decode(case, what, text, go, opts)
  local mine, err = hfl_decode(text, opts)
  if go.err or err then
    if go.err and err then return end
    mismatch(case, what, shown(go.out, go.err), shown(mine, err), text)
  end
  if mine ~= go.out then mismatch(case, what, go.out, mine, text) end
end

-- round: decode(encode(x)) == x for hfl, and go-yaml reads hfl's encoding back as x.
local function check_round(case, docs, go_reads)
  local want = oracle.dump_docs(docs, { go_roundtrip = true })
  local text = hfl_encode_docs(docs)
  local _, err, back_docs = hfl_decode(text)
  if not back_docs then
    mismatch(case, "hfl reading its own encoding", want, "!error: " .. err, text, "value")
  end
  local back = oracle.dump_docs(back_docs, { go_roundtrip = true })
  if back ~= want then mismatch(case, "decode(encode(x)) (hfl both ways)", want, back, text, "value") end
  if go_reads then
    local go = go_reads(text)
    local go_back = go.err and shown(go.out, go.err) or
      oracle.dump_docs(oracle.undump_docs(go.out), { go_roundtrip = true })
    if go_back ~= want then
      mismatch(case, "go-yaml reading hfl's encoding", want, go_back, text, "value")
    end
  end
end

local function go_reader()
  return function(text)
    return oracle.batch("decode", { text })[1]
  end
end

-- `it`, but a failure listed in ACCEPTED becomes pending.
local function check(name, fn)
  it(name, function()
    local ok, err = pcall(fn)
    if ok then return end
    for _, a in ipairs(ACCEPTED) do
      if name:find(a.match, 1, true) then
        pending(a.reason .. "\n" .. (type(err) == "table" and tostring(err.message) or tostring(err)))
      end
    end
    error(err, 0)
  end)
end

-- The four checks on YAML texts: decode (v3 and v2), encode, round trip.
local function texts_differential(names, texts)
  local v3 = oracle.batch("decode", texts)
  local v2 = oracle.batch("decode", texts, "--v2")
  local enc = oracle.batch("encode", texts)
  local enc_texts = {}
  for i, r in ipairs(enc) do enc_texts[i] = r.out end
  local enc_back = oracle.batch("decode", enc_texts)

  -- Where go-yaml's output does not read back as what it decoded, hfl need not copy it.
  local function go_lossy(i)
    if v3[i].err then return nil end
    local want = oracle.dump_docs(oracle.undump_docs(v3[i].out), { go_roundtrip = true })
    local got = enc_back[i].err and shown(enc_back[i].out, enc_back[i].err)
      or oracle.dump_docs(oracle.undump_docs(enc_back[i].out), { go_roundtrip = true })
    if got ~= want then return first_difference(want, got) end
  end

  for i, name in ipairs(names) do
    local text = texts[i]
    check(name .. " decodes as go-yaml v3 reads it", function()
      check_decode(name, "decode (v3)", text, v3[i])
    end)
    check(name .. " decodes as go-yaml v2 reads it with {v2 = true}", function()
      check_decode(name, "decode (v2)", text, v2[i], { v2 = true })
    end)
    if not v3[i].err then
      check(name .. " encodes as go-yaml v3 writes it", function()
        local lossy = go_lossy(i)
        if lossy then
          pending(("%s: go-yaml's own output does not read back as what it decoded, so hfl"
            .. " need not copy it\n%s"):format(name, lossy))
          return
        end
        -- Encode what go-yaml decoded, so a decode difference does not show up twice.
        local mine = hfl_encode_docs(oracle.undump_docs(v3[i].out))
        if mine ~= enc[i].out then mismatch(name, "encode", enc[i].out, mine, text) end
      end)
      check(name .. " round-trips through hfl's encode and decode", function()
        local _, err, docs = hfl_decode(text)
        assert(docs, name .. ": hfl cannot decode it: " .. tostring(err))
        check_round(name, docs, go_reader())
      end)
    end
  end
end

describe("hfl.yaml against go-yaml #unit #oracle", function()
  local available, why = oracle.available()
  if not available then
    it("needs the Go oracle build/yamlref", function() error(why, 0) end)
    return
  end

  describe("values files in the corpus", function()
    local names = corpus_files()
    it("has at least 25 files", function()
      assert.is_true(#names >= 25, "spec/fixtures/yaml/corpus holds " .. #names .. " files")
    end)
    local texts = {}
    for i, name in ipairs(names) do texts[i] = read(CORPUS .. "/" .. name) end
    texts_differential(names, texts)
  end)

  describe("hand-written styles from the generator", function()
    local names, texts = {}, {}
    for i, src in ipairs(yamlgen.sources(SOURCES, SEED)) do
      names[i], texts[i] = src.name, src.text
    end
    texts_differential(names, texts)
  end)

  describe("small documents", function()
    local names = {}
    for i, text in ipairs(DOCUMENTS) do
      names[i] = "document " .. ('"%s"'):format(text:gsub("[%z\1-\31\127-\255\\\"]", function(c)
        return ({ ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ["\\"] = "\\\\", ['"'] = '\\"' })[c]
          or ("\\x%02x"):format(c:byte())
      end))
    end
    texts_differential(names, DOCUMENTS)
  end)

  describe("single scalars", function()
    local texts = {}
    for i, src in ipairs(SCALARS) do
      texts[i] = "v: " .. src .. (src:sub(-1) == "\n" and "" or "\n")
    end
    local v3 = oracle.batch("decode", texts)
    local v2 = oracle.batch("decode", texts, "--v2")
    local enc = oracle.batch("encode", texts)
    for i, src in ipairs(SCALARS) do
      local text, name = texts[i], ("scalar %q"):format(src)
      check(name .. " decodes as go-yaml v3 reads it", function()
        check_decode(name, "decode (v3)", text, v3[i])
      end)
      check(name .. " decodes as go-yaml v2 reads it", function()
        check_decode(name, "decode (v2)", text, v2[i], { v2 = true })
      end)
      if not v3[i].err then
        check(name .. " encodes as go-yaml v3 writes it", function()
          local mine = hfl_encode_docs(oracle.undump_docs(v3[i].out))
          if mine ~= enc[i].out then mismatch(name, "encode", enc[i].out, mine, text) end
        end)
      end
    end
  end)

  describe("generated documents", function()
    local cases = yamlgen.cases(GENERATED, SEED)
    local dumps, wants = {}, {}
    for i, c in ipairs(cases) do
      dumps[i] = oracle.dump(c.value)
      wants[i] = oracle.dump(c.value, { go_roundtrip = true }) .. "\n"
    end
    local go_yaml = oracle.batch("encode-json", dumps)
    local texts = {}
    for i, r in ipairs(go_yaml) do texts[i] = r.out end
    local v3 = oracle.batch("decode", texts)
    local v2 = oracle.batch("decode", texts, "--v2")

    for i, c in ipairs(cases) do
      local name, text = c.name, texts[i]
      check(name .. " encodes as go-yaml v3 writes it", function()
        assert(not go_yaml[i].err, name .. ": go-yaml cannot encode it: " .. tostring(go_yaml[i].err))
        local go_back = shown(v3[i].out, v3[i].err)
        if go_back ~= wants[i] then
          pending(("%s: go-yaml's own output does not read back as the value, so hfl need not"
            .. " copy it\n%s"):format(name, first_difference(wants[i], go_back)))
          return
        end
        local mine = hfl_yaml().encode(c.value)
        if mine ~= text then mismatch(name, "encode", text, mine, dumps[i]) end
      end)
      check(name .. " decodes go-yaml's encoding as go-yaml v3 does", function()
        check_decode(name, "decode (v3)", text, v3[i])
      end)
      check(name .. " decodes go-yaml's encoding as go-yaml v2 does", function()
        check_decode(name, "decode (v2)", text, v2[i], { v2 = true })
      end)
      check(name .. " round-trips through hfl's encode and decode", function()
        check_round(name, { c.value }, go_reader())
      end)
    end
  end)
end)
