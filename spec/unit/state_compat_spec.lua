-- Compatibility cases found by running hfl on Helmfile's own test material (each with a
-- minimal fixture of our own). #unit
local loader = require "hfl.state.load"
local releases = require "hfl.state.releases"
local T = require "fixtures.state.loader.tree"
local stub = dofile("spec/fixtures/state/releases/stub.lua")

local function load(dir, opts)
  opts = opts or {}
  opts.cwd = dir
  return loader.load(opts)
end

describe("hfl.state compatibility #unit", function()
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  describe("top-level keys", function()
    it("accepts the filepath and renderedvalues keys that `build` prints, and ignores them", function()
      local dir = T.tree { ["helmfile.yaml"] = [[
filepath: other.yaml
releases:
- name: web
  chart: repo/web
templates: {}
renderedvalues:
  a: 1
]] }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.equal("web", states[1].doc.releases[1].name)
      assert.is_nil(states[1].doc.filepath)
      assert.is_nil(states[1].doc.renderedvalues)
    end)

    it("still rejects other unknown top-level keys", function()
      local dir = T.tree { ["helmfile.yaml"] = "filepaths: x\nreleases: []\n" }
      local _, err = load(dir)
      assert.matches('unknown top%-level key "filepaths"', err)
    end)
  end)

  describe("malformed inherit fields", function()
    local function list_err(body)
      local _, err = releases.build(stub("templates:\n  t:\n    namespace: n\n" .. body,
        { path = "/tmp/hfl-spec/helmfile.yaml" }))
      return err
    end

    it("reports a string except as an input error naming file:line", function()
      local err = list_err("releases:\n- name: a\n  chart: r/a\n  inherit:\n  - template: t\n    except: labels\n")
      assert.are.equal('/tmp/hfl-spec/helmfile.yaml:5: release "a": inherit.except must be a list of field names, not string', err)
    end)

    it("reports a non-string except item as not allowed", function()
      local err = list_err("releases:\n- name: a\n  chart: r/a\n  inherit:\n  - template: t\n    except: [[x]]\n")
      assert.matches('^/tmp/hfl%-spec/helmfile%.yaml:5: "a list" is not allowed under `inherit`', err)
    end)

    it("reports a malformed except inside a template's own inherit", function()
      local err = list_err("  u:\n    inherit:\n    - template: t\n      except: 1\n"
        .. "releases:\n- name: a\n  chart: r/a\n  inherit:\n  - template: u\n")
      assert.matches('unable to load release template "u": inherit%.except must be a list', err)
    end)

    it("reports a defaultInherit that is a map", function()
      local err = list_err("defaultInherit: {a: 1}\nreleases:\n- name: a\n  chart: r/a\n")
      assert.matches("defaultInherit must be a string or a list of strings, not map", err)
    end)

    it("reads a scalar defaultInherit as a template name", function()
      local rels, err = releases.build(stub("templates:\n  '5':\n    namespace: n\ndefaultInherit: 5\n"
        .. "releases:\n- name: a\n  chart: r/a\n"))
      assert.is_nil(err)
      assert.are.equal("n", rels[1].namespace)
    end)
  end)

  describe("HCL environment values", function()
    local hcl = require "hfl.hcl"
    local yaml = require "hfl.yaml"

    local function render(files)
      local dir = T.tree(files)
      local names = {}
      for name in pairs(files) do
        if name:match("%.hcl$") then names[#names + 1] = name end
      end
      table.sort(names)
      local paths, shown = {}, {}
      for i, n in ipairs(names) do
        paths[i] = dir .. "/" .. n
        shown[paths[i]] = n
      end
      return hcl.render(paths, shown)
    end

    it("evaluates values blocks with hv and local references, templates and functions", function()
      local v, err = render { ["a.hcl"] = [[
locals {
  name = "web"
}
values {
  greeting = "hello ${upper(local.name)}"
  port     = 8000 + 80
  typed    = "${hv.port}"
  tags     = [for t in ["a", "b"] : "${t}-${local.name}" if t != "b"]
  byname   = { for k, v in { x = 1, y = 2 } : k => v * 2 }
  yes      = hv.port > 80 ? "%{ if true }on%{ else }off%{ endif }" : "no"
  text     = <<-EOT
    line1
      line2
    EOT
  fallback = try(hv.nothing.here, "dflt")
}
]] }
      assert.is_nil(err)
      assert.are.equal(table.concat({
        "byname:", "  x: 2", "  \"y\": 4", "fallback: dflt", "greeting: hello WEB", "port: 8080",
        "tags:", "  - a-web", "text: |", "  line1", "    line2", "typed: 8080", "\"yes\": \"on\"", "" }, "\n"),
        yaml.encode(v))
    end)

    it("merges a name defined in several files in file order, each with its own locals", function()
      local v, err = render {
        ["1.hcl"] = 'locals {\n  f = "one"\n}\nvalues {\n  from = local.f\n  m = { a = 1, b = { c = 1 } }\n'
          .. '  l = [1, 2]\n  keep = "k"\n}\n',
        ["2.hcl"] = 'locals {\n  f = "two"\n}\nvalues {\n  from = local.f\n  m = { b = { d = 2 } }\n  l = [3]\n'
          .. '  keep = null\n  both = "${hv.from}-${hv.keep}"\n}\n',
      }
      assert.is_nil(err)
      assert.are.equal("two", v.from)
      assert.are.equal(1, v.m.a)
      assert.are.equal(1, v.m.b.c)
      assert.are.equal(2, v.m.b.d)
      assert.are.equal(1, #v.l)
      assert.are.equal("k", v.keep)
      assert.are.equal("two-k", v.both)
    end)

    it("has regex and regexall with Terraform's result shapes", function()
      local v, err = render { ["r.hcl"] = table.concat({
        "values {",
        '  plain = regex("[a-z]+", "123abc456")',
        '  groups = regex("([0-9]+)-([0-9]+)", "2019-02")',
        '  named = regex("(?P<k>[a-z]+)=(?P<v>[0-9]+)", "x=1")',
        '  all = regexall("[a-z]+", "1ab2cd")',
        "}", "" }, "\n") }
      assert.is_nil(err)
      assert.are.equal("abc", v.plain)
      assert.are.same({ "2019", "02" }, { v.groups[1], v.groups[2] })
      assert.are.same({ "x", "1" }, { v.named.k, v.named.v })
      assert.are.same({ "ab", "cd" }, { v.all[1], v.all[2] })
    end)

    it("has the IPv4 cidr functions", function()
      local v, err = render { ["c.hcl"] = 'values {\n  h = cidrhost("10.12.112.0/20", 268)\n'
        .. '  m = cidrnetmask("172.16.0.0/12")\n  s = cidrsubnet("172.16.0.0/12", 4, 2)\n'
        .. '  ss = cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)\n}\n' }
      assert.is_nil(err)
      assert.are.same({ "10.12.113.12", "255.240.0.0", "172.18.0.0/16" }, { v.h, v.m, v.s })
      assert.are.same({ "10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20" },
        { v.ss[1], v.ss[2], v.ss[3], v.ss[4] })
    end)

    it("reports parse errors with file:line", function()
      local _, err = render { ["bad.hcl"] = 'values {\n  a = 1\n  b = [1, 2\n}\n' }
      assert.matches("^bad%.hcl:%d+: ", err)
    end)

    it("reports unknown functions, unknown attributes and cycles with file:line", function()
      local _, err = render { ["f.hcl"] = 'values {\n  a = nope(1)\n}\n' }
      assert.matches('^f%.hcl:2: Call to unknown function: there is no function named "nope"', err)
      _, err = render { ["g.hcl"] = 'values {\n  a = hv.missing\n}\n' }
      assert.matches('^g%.hcl:2: Unsupported attribute: .*"missing"', err)
      _, err = render { ["h.hcl"] = 'values {\n  a = hv.b\n  b = hv.a\n}\n' }
      assert.matches("^h%.hcl:%d+: Cycle detected", err)
      _, err = render { ["i.hcl"] = 'locals {\n  x = 1\n}\nlocals {\n  y = 2\n}\n' }
      assert.matches("^i%.hcl:4: A file can only support exactly 1 `locals` block", err)
    end)

    it("take decrypted .hcl secrets into the same evaluation, before the values files", function()
      local dir = T.tree {
        ["helmfile.yaml"] = "environments:\n  default:\n    values:\n    - v.hcl\n    secrets:\n    - s.hcl\n"
          .. "    - s.yaml\n---\nreleases:\n- name: x\n  chart: r/x\n",
        ["v.hcl"] = 'values {\n  url = "https://${hv.user}@host"\n  user = "public"\n}\n',
        ["s.hcl"] = 'values {\n  user = "secret-user"\n  token = "t0k"\n}\n',
        ["s.yaml"] = "fromYamlSecret: true\n",
      }
      local decrypted = {}
      local states, err = load(dir, { secrets_decrypt = function(p)
        decrypted[#decrypted + 1] = p:match("[^/]+$")
        local f = assert(io.open(p))
        local text = f:read("*a")
        f:close()
        return text
      end })
      assert.is_nil(err)
      local v = states[1].values
      -- v.hcl comes later than the decrypted s.hcl: its `user` wins, and hv.user sees the merged value
      assert.are.equal("public", v.user)
      assert.are.equal("https://public@host", v.url)
      assert.are.equal("t0k", v.token)
      assert.are.equal(true, v.fromYamlSecret)
      table.sort(decrypted)
      assert.are.same({ "s.hcl", "s.yaml" }, decrypted)
    end)

    it("are merged over the YAML values of the same environment", function()
      local dir = T.tree {
        ["helmfile.yaml.gotmpl"] = "environments:\n  default:\n    values:\n    - a.hcl\n    - b.yaml\n---\n"
          .. "releases:\n- name: {{ .Values.name }}-{{ .Values.fromYaml }}\n  chart: r/x\n",
        ["a.hcl"] = 'values {\n  name = "hcl"\n}\n',
        ["b.yaml"] = "name: yaml\nfromYaml: y\n",
      }
      local states, err = load(dir)
      assert.is_nil(err)
      assert.are.equal("hcl-y", states[1].doc.releases[1].name)
    end)
  end)

  describe("--state-values-set list indexes", function()
    local sv = require "hfl.state.statevalues"

    it("refuses an index above Helm's maximum instead of growing a huge list", function()
      local _, err = sv.parse_state_values_set({ "a.b[99999999999]=1" })
      assert.are.equal('invalid --state-values-set "a.b[99999999999]=1": '
        .. "index of 99999999999 is greater than maximum supported index 65536", err)
    end)

    it("still grows a list with nulls up to a small index", function()
      local m, err = sv.parse_state_values_set({ "a[2]=x" })
      assert.is_nil(err)
      assert.are.equal(3, #m.a)
      assert.are.equal("x", m.a[3])
    end)
  end)
end)
