-- hfl.state.load: finding the state files (Helmfile's lookup plus helmfile.lua), the policy
-- checks on raw text, and --state-values-set parsing. #unit
local loader = require "hfl.state.load"
local parts = require "hfl.state.parts"
local yaml = require "hfl.yaml"
local T = require "fixtures.state.loader.tree"

local function names(states)
  local out = {}
  for i, s in ipairs(states) do out[i] = s.name end
  return out
end

local function load(dir, opts)
  opts = opts or {}
  opts.cwd = dir
  opts.session = opts.session or T.session()
  return loader.load(opts)
end

local REL = "releases:\n- name: a\n  chart: c\n"

describe("hfl.state.load #unit", function()
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  describe("state file lookup", function()
    it("loads helmfile.yaml from the current directory", function()
      local dir = T.tree { ["helmfile.yaml"] = REL }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.same({ "helmfile.yaml" }, names(states))
      assert.are.equal(dir .. "/helmfile.yaml", states[1].path)
    end)

    it("loads helmfile.yaml.gotmpl when it is the only default", function()
      local dir = T.tree { ["helmfile.yaml.gotmpl"] = REL }
      local states = assert(load(dir))
      assert.are.same({ "helmfile.yaml.gotmpl" }, names(states))
    end)

    it("refuses helmfile.yaml and helmfile.yaml.gotmpl together", function()
      local dir = T.tree { ["helmfile.yaml"] = REL, ["helmfile.yaml.gotmpl"] = REL }
      local states, err = load(dir)
      assert.is_nil(states)
      assert.are.equal("both helmfile.yaml and helmfile.yaml.gotmpl exist. Please remove one of them", err)
    end)

    it("loads helmfile.d/*.y*ml and *.y*ml.gotmpl in lexical order", function()
      local dir = T.tree { ["helmfile.d/b.yaml"] = REL, ["helmfile.d/a.yaml.gotmpl"] = REL,
        ["helmfile.d/c.yml"] = REL, ["helmfile.d/notes.txt"] = "x" }
      local states = assert(load(dir))
      assert.are.same({ "helmfile.d/a.yaml.gotmpl", "helmfile.d/b.yaml", "helmfile.d/c.yml" }, names(states))
    end)

    it("reverses the helmfile.d order for destroy", function()
      local dir = T.tree { ["helmfile.d/a.yaml"] = REL, ["helmfile.d/b.yaml"] = REL }
      local states = assert(load(dir, { reverse = true }))
      assert.are.same({ "helmfile.d/b.yaml", "helmfile.d/a.yaml" }, names(states))
    end)

    it("refuses a default file together with helmfile.d", function()
      local dir = T.tree { ["helmfile.yaml"] = REL, ["helmfile.d/a.yaml"] = REL }
      local _, err = load(dir)
      assert.are.equal("configuration conlict error: you can have either helmfile.yaml or helmfile.d, but not both", err)
    end)

    it("says where state files may be when there is none", function()
      local dir = T.tree { ["other.yaml"] = REL }
      local _, err = load(dir)
      assert.matches("^no state file found%. It must be named helmfile%.d/%*%.{yaml,yml,yaml%.gotmpl,yml%.gotmpl,lua}, "
        .. "helmfile%.yaml, helmfile%.yaml%.gotmpl, or helmfile%.lua, otherwise specified with the %-%-file flag or "
        .. "HELMFILE_FILE_PATH environment variable$", err)
    end)

    it("loads -f FILE relative to the current directory", function()
      local dir = T.tree { ["deploy/x.yaml"] = REL }
      local states = assert(load(dir, { file = "deploy/x.yaml" }))
      assert.are.same({ "deploy/x.yaml" }, names(states))
      assert.are.equal(dir .. "/deploy", states[1].dir)
      assert.are.equal("x", states[1].basename)
    end)

    it("loads every state file of -f DIR, sorted", function()
      local dir = T.tree { ["d/2.yaml"] = REL, ["d/1.yaml.gotmpl"] = REL, ["d/sub/3.yaml"] = REL }
      local states = assert(load(dir, { file = "d" }))
      assert.are.same({ "d/1.yaml.gotmpl", "d/2.yaml" }, names(states))
    end)

    it("reports a -f path that does not exist", function()
      local dir = T.tree { ["helmfile.yaml"] = REL }
      local _, err = load(dir, { file = "nope.yaml" })
      assert.are.equal("specified state file nope.yaml is not found", err)
    end)

    it("takes the file from HELMFILE_FILE_PATH when -f is not given", function()
      local dir = T.tree { ["helmfile.yaml"] = REL, ["env.yaml"] = REL }
      T.setenv("HELMFILE_FILE_PATH", "env.yaml")
      local states = assert(load(dir))
      assert.are.same({ "env.yaml" }, names(states))
    end)

    it("prefers the YAML default over helmfile.lua and says so", function()
      local dir = T.tree { ["helmfile.yaml"] = REL, ["helmfile.lua"] = "return {}" }
      local lines, stop = T.capture_log("info")
      local states = load(dir)
      stop()
      assert.are.same({ "helmfile.yaml" }, names(states))
      assert.matches("both helmfile.yaml and helmfile.lua exist; using helmfile.yaml", table.concat(lines), 1, true)
    end)

    it("finds helmfile.lua as a default state file", function()
      local dir = T.tree { ["helmfile.lua"] = "return { releases = { { name = 'a', chart = 'c' } } }" }
      local states, err = load(dir)
      if pcall(require, "hfl.state.luafile") then
        assert.is_nil(err)
        assert.are.same({ "helmfile.lua" }, names(states))
      else
        assert.are.equal("helmfile.lua: helmfile.lua support is not available yet", err)
      end
    end)
  end)

  describe("policy checks", function()
    it("needs at least one top-level key", function()
      local dir = T.tree { ["helmfile.yaml"] = "# nothing\n  - x\n" }
      local _, err = load(dir)
      assert.are.equal("no top-level config keys are found in helmfile.yaml", err)
    end)

    it("wants bases and environments before releases", function()
      local dir = T.tree { ["helmfile.yaml"] = REL .. "---\nbases:\n- b.yaml\n" }
      local _, err = load(dir)
      assert.are.equal("top-level config key bases must be defined before releases in helmfile.yaml", err)
    end)

    it("refuses environments and releases in the same part", function()
      local dir = T.tree { ["helmfile.yaml"] = "environments:\n  default: {}\n" .. REL }
      local _, err = load(dir)
      assert.are.equal("helmfile.yaml: environments and releases cannot be defined within the same YAML part. "
        .. "Use --- to extract the environments into a dedicated part", err)
    end)

    it("accepts CRLF line ends and splits parts on them", function()
      local text = ("environments:\n  default:\n    values:\n    - a: 1\n---\n" .. REL):gsub("\n", "\r\n")
      local dir = T.tree { ["helmfile.yaml"] = text }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.equal(1, states[1].values.a)
      assert.are.equal("a", states[1].doc.releases[1].name)
    end)

    it("splits parts only on a bare --- line", function()
      assert.are.same({ "a: 1", "b: 2\n--- # c\nc: 3" }, parts.split("a: 1\n---\nb: 2\n--- # c\nc: 3"))
    end)
  end)

  describe("parse_state_values_set()", function()
    local function set(list, opts) return yaml.encode(assert(loader.parse_state_values_set(list, opts))) end

    it("types values like Helmfile", function()
      assert.are.equal("a: true\nb: false\nc: null\nd: 0\ne: \"012\"\nf: 123\ng: x\nh: \"\"\n",
        set { "a=true,b=FALSE", "c=null,d=0,e=012", "f=123,g=x,h=" })
    end)

    it("nests dotted keys and honours \\. escapes", function()
      assert.are.equal("a:\n  b:\n    c: 1\nx.y: z\n", set { "a.b.c=1", "x\\.y=z" })
    end)

    it("grows lists with nulls for k[N]", function()
      assert.are.equal("l:\n  - null\n  - null\n  - x\nm:\n  - k: v\n", set { "l[2]=x", "m[0].k=v" })
    end)

    it("keeps everything after the first = in the value", function()
      assert.are.equal("a: b=c\n", set { "a=b=c" })
    end)

    it("keeps strings and their quotes for --state-values-set-string", function()
      local m = assert(loader.parse_state_values_set({ "a=true,b='x,y',c=1" }, { string = true }))
      assert.are.same({ "true", "'x,y'", "1" }, { m.a, m.b, m.c })
    end)

    it("rejects a term without =", function()
      local m, err = loader.parse_state_values_set { "a" }
      assert.is_nil(m)
      assert.matches("not key=value", err)
    end)
  end)

  describe("hfl.fs.glob() for helmfile.d", function()
    it("matches dot files like Go's filepath.Glob and sorts bytewise", function()
      local fs = require "hfl.fs"
      local dir = T.tree { [".b.yaml"] = "", ["B.yaml"] = "", ["a.yaml"] = "" }
      local got = fs.glob(dir .. "/*.yaml")
      for i, p in ipairs(got) do got[i] = fs.basename(p) end
      assert.are.same({ ".b.yaml", "B.yaml", "a.yaml" }, got)
    end)
  end)
end)
