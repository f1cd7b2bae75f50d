-- hfl.diff: manifests compared per resource and printed in helm-diff's shapes. Goldens live in
-- spec/fixtures/diff/<case>/; HFL_UPDATE_GOLDEN=1 rewrites them (review the git diff after).
local diff = require "hfl.diff"
local lines = require "hfl.diff.lines"
local yaml = require "hfl.yaml"
local files = require "spec.support.files"

local FIX = "spec/fixtures/diff/"

local function fixture(path)
  local text = assert(files.read(FIX .. path), "missing fixture " .. path)
  return text
end

local function golden(path, text)
  if os.getenv("HFL_UPDATE_GOLDEN") then files.write(FIX .. path, text) end
  assert.equal(fixture(path), text)
end

local function case(name, opts)
  opts = opts or {}
  opts.old = opts.old or fixture(name .. "/old.yaml")
  opts.new = opts.new or fixture(name .. "/new.yaml")
  opts.namespace = opts.namespace or "shop"
  return assert(diff.compare(opts))
end

local function render(res, opts)
  return assert(diff.render(res, opts or {}))
end

local function actions(res)
  local out = {}
  for _, c in ipairs(res.changes) do out[#out + 1] = c.action .. " " .. c.key end
  return out
end

-- The live objects of a multi-document file, by diff.key.
local function live_objects(path, namespace)
  local docs = assert(yaml.decode_all(fixture(path)))
  local live = {}
  for _, obj in ipairs(docs) do live[diff.key(obj, namespace)] = obj end
  return live
end

describe("hfl.diff #unit", function()
  describe("compare() and render()", function()
    it("reports changed, removed and added resources in helm-diff's diff, simple and json shapes", function()
      local res = case("changes")
      assert.is_true(res.changed)
      assert.same({ "change apps/v1/Deployment/shop/web", "change v1/ConfigMap/shop/web-config",
        "remove apps/v1/Deployment/jobs/worker", "add v1/Service/shop/web" }, actions(res))
      golden("changes/diff.txt", render(res))
      golden("changes/context2.txt", render(res, { context = 2 }))
      golden("changes/simple.txt", render(res, { format = "simple" }))
      golden("changes/json.txt", render(res, { format = "json" }))
    end)

    it("prints a Go template over the entries with --output template", function()
      local res = case("changes")
      local text = render(res, { format = "template",
        template = "{{ range $i, $e := . }}{{ $e.Change }} {{ $e.Kind }}/{{ $e.Name }} ({{ $e.API }})"
          .. "{{ if not (last $i $) }}; {{ end }}{{ end }}" })
      assert.equal("MODIFY Deployment/web (apps); MODIFY ConfigMap/web-config (v1); "
        .. "REMOVE Deployment/worker (apps); ADD Service/web (v1)\n", text)
    end)

    it("colours headers and changed lines only when asked", function()
      local res = case("changes")
      assert.is_nil(render(res):find("\27[", 1, true))
      local text = render(res, { color = true })
      assert.truthy(text:find("\27[33mshop, web, Deployment (apps) has changed:\27[0m", 1, true))
      assert.truthy(text:find("\27[31m-   replicas: 2\27[0m", 1, true))
      assert.truthy(text:find("\27[32m+   replicas: 3\27[0m", 1, true))
      assert.truthy(text:find("\27[32mshop, web, Service (v1) has been added:\27[0m", 1, true))
    end)

    it("says nothing changed when both manifests render the same objects", function()
      local text = fixture("changes/new.yaml")
      local res = case("changes", { old = text, new = text })
      assert.is_false(res.changed)
      assert.same({}, res.changes)
      assert.equal("", render(res))
      assert.equal("Plan: 0 to add, 0 to change, 0 to destroy, 0 to change ownership.\n",
        render(res, { format = "simple" }))
      assert.equal("[]\n", render(res, { format = "json" }))
    end)

    it("does not depend on the order of documents and prints the same text every time", function()
      local docs = {}
      for d in (fixture("changes/new.yaml") .. "---\n"):gmatch("(.-)\n%-%-%-\n") do
        if d:find("%S") then docs[#docs + 1] = d end
      end
      local reversed = {}
      for i = #docs, 1, -1 do reversed[#reversed + 1] = docs[i] end
      local a = render(case("changes"))
      local b = render(case("changes", { new = "---\n" .. table.concat(reversed, "\n---\n") .. "\n" }))
      assert.equal(a, b)
      assert.equal(a, render(case("changes")))
    end)

    it("shows a renamed resource as removed and added, or as one change with find_renames", function()
      local res = case("renamed")
      assert.same({ "remove v1/ConfigMap/shop/app-settings-v1", "add v1/ConfigMap/shop/app-settings-v2" },
        actions(res))
      golden("renamed/diff.txt", render(res))
      res = case("renamed", { find_renames = 0.5 })
      assert.same({ "change v1/ConfigMap/shop/app-settings-v1" }, actions(res))
      assert.equal("v1/ConfigMap/shop/app-settings-v2", res.changes[1].renamed_to)
      golden("renamed/find-renames.txt", render(res))
    end)

    it("leaves a removed resource annotated helm.sh/resource-policy: keep out", function()
      local old = fixture("renamed/old.yaml"):gsub("  labels:", "  annotations:\n    helm.sh/resource-policy: keep\n  labels:")
      local res = case("renamed", { old = old })
      assert.same({ "add v1/ConfigMap/shop/app-settings-v2" }, actions(res))
    end)
  end)

  describe("Secrets", function()
    it("masks data values, telling only which keys changed, and compares stringData with data", function()
      local res = case("secret")
      -- db-tls: stringData ca-certificate == data base64(ca-certificate): no change
      assert.same({ "change v1/Secret/shop/db-credentials" }, actions(res))
      local text = render(res)
      golden("secret/masked.txt", text)
      for _, plain in ipairs { "hunter2", "aHVudGVy", "admin", "YWRtaW4", "t0k3n", "extra-secret", "ZXh0cmEt" } do
        assert.is_nil(text:find(plain, 1, true), plain .. " is shown")
        assert.is_nil(res.changes[1].old:find(plain, 1, true))
        assert.is_nil(res.changes[1].new:find(plain, 1, true))
      end
    end)

    it("shows the values with show_secrets, and decoded ones with show_secrets = \"decoded\"", function()
      golden("secret/show-secrets.txt", render(case("secret", { show_secrets = true })))
      golden("secret/show-secrets-decoded.txt", render(case("secret", { show_secrets = "decoded" })))
    end)

    it("marks every value of an added or removed Secret as changed", function()
      local res = case("secret", { old = "" })
      local text = render(res)
      assert.truthy(text:find("+   password: '++++++++ # (11 bytes)'", 1, true))
      assert.is_nil(text:find("REDACTED", 1, true))
      res = case("secret", { new = "" })
      assert.truthy(render(res):find("-   password: '-------- # (11 bytes)'", 1, true))
    end)

    it("prints a suppressed kind's header with a note instead of its content", function()
      local res = case("secret", { suppress = { "Secret" }, show_secrets = true })
      assert.is_true(res.changed)
      assert.equal("shop, db-credentials, Secret (v1) has changed:\n"
        .. "+ Changes suppressed on sensitive content of type Secret\n\n", render(res))
    end)
  end)

  describe("kinds", function()
    it("keys a CustomResourceDefinition without a namespace and its custom resources with one", function()
      local res = case("crd")
      assert.same({ "change apiextensions.k8s.io/v1/CustomResourceDefinition//widgets.example.com",
        "add example.com/v1/Widget/shop/first" }, actions(res))
      assert.equal("", res.changes[1].namespace)
      assert.equal("apiextensions.k8s.io", res.changes[1].group)
      golden("crd/diff.txt", render(res))
      golden("crd/json.txt", render(res, { format = "json" }))
    end)

    it("expands a List (and a kind ending in List) into its items", function()
      local res = case("list")
      assert.same({ "change v1/ConfigMap/shop/two", "add v1/ConfigMap/shop/three" }, actions(res))
      golden("list/diff.txt", render(res))
    end)

    it("gives cluster-scoped kinds no namespace, whatever the release's is", function()
      local res = case("cluster", { namespace = "team-a" })
      assert.same({
        "add admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration//check",
        "add storage.k8s.io/v1/StorageClass//fast",
        "add scheduling.k8s.io/v1/PriorityClass//high",
        "add v1/PersistentVolume//pv-1",
        "add rbac.authorization.k8s.io/v1/ClusterRole//reader",
        "add rbac.authorization.k8s.io/v1/ClusterRoleBinding//reader",
        "add v1/Namespace//team-a",
        "add rbac.authorization.k8s.io/v1/Role/team-a/reader",
        "add apiregistration.k8s.io/v1/APIService//v1beta1.metrics.k8s.io",
      }, actions(res))
      golden("cluster/simple.txt", render(res, { format = "simple" }))
    end)

    it("matches a resource across apiVersions of its group", function()
      local old = fixture("changes/old.yaml"):gsub("apps/v1", "apps/v1beta2")
      local res = case("changes", { old = old })
      assert.same({ "change apps/v1/Deployment/shop/web", "change v1/ConfigMap/shop/web-config",
        "remove apps/v1beta2/Deployment/jobs/worker", "add v1/Service/shop/web" }, actions(res))
    end)
  end)

  describe("normalisation", function()
    it("ignores key order, null vs absent and how numbers are written, not a string vs a number", function()
      local res = case("normalise")
      assert.same({ "change v1/ConfigMap/shop/api" }, actions(res))
      golden("normalise/diff.txt", render(res))
    end)

    it("sees the release's namespace written or left out, and a namespace on a cluster-scoped kind, as the same", function()
      local cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
      local ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n"
      local res = case(nil, { old = cm .. "---\n" .. ns, namespace = "shop",
        new = cm .. "  namespace: shop\n---\n" .. ns .. "  namespace: elsewhere\n" })
      assert.is_false(res.changed)
      res = case(nil, { old = cm, new = cm .. "  namespace: other\n", namespace = "shop" })
      assert.same({ "remove v1/ConfigMap/shop/a", "add v1/ConfigMap/other/a" }, actions(res))
    end)
  end)

  describe("three-way", function()
    it("shows fields drifted on the server as the old side, ignores server defaults", function()
      local live = live_objects("drift/live.yaml", "shop")
      local res = case("drift", { live = live })
      assert.is_true(res.changed)
      assert.same({ "change v1/ConfigMap/shop/env", "change apps/v1/Deployment/shop/web",
        "add v1/Service/shop/web" }, actions(res))
      assert.same({ false, true, true }, { res.changes[1].drift, res.changes[2].drift, res.changes[3].drift })
      golden("drift/diff.txt", render(res))
    end)

    it("reports no change when the live objects hold what the manifest says", function()
      local live = live_objects("drift/live.yaml", "shop")
      live["apps/v1/Deployment/shop/web"].spec.replicas = 2
      local svc = assert(yaml.decode("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
        .. "spec:\n  selector: {app: web}\n  clusterIP: 10.0.0.1\n  ports:\n  - {port: 80, protocol: TCP, targetPort: 80}\n"))
      live[diff.key(svc)] = svc
      local old = fixture("drift/old.yaml")
      local res = case("drift", { old = old, new = old, live = live })
      assert.is_false(res.changed)
      assert.same({}, res.changes)
    end)

    it("takes an empty map or list the server dropped (data: {}) for no drift", function()
      local cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}\nbinaryData: {}\n"
      local live = assert(yaml.decode("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop, uid: x}\n"))
      local res = case(nil, { old = cm, new = cm, live = { [diff.key(live)] = live } })
      assert.is_false(res.changed)
    end)

    it("masks a Secret whose live data drifted, saying only which key differs", function()
      local secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {user: admin, password: right-one}\n"
      local live = assert(yaml.decode("apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop, uid: x}\n"
        .. "type: Opaque\ndata: {user: YWRtaW4=, password: d3Jvbmctb25l}\n"))
      local res = case(nil, { old = secret, new = secret, live = { [diff.key(live)] = live } })
      assert.is_true(res.changed)
      assert.is_true(res.changes[1].drift)
      local text = render(res)
      assert.truthy(text:find("-   password: '-------- # (9 bytes)'\n+   password: '++++++++ # (9 bytes)'\n"
        .. "    user: 'REDACTED # (5 bytes)'\n", 1, true))
      assert.is_nil(text:find("right-one", 1, true))
      assert.is_nil(text:find("d3Jvbmc", 1, true))
    end)

    it("leaves drift out without live objects", function()
      local old = fixture("drift/old.yaml")
      assert.is_false(case("drift", { old = old, new = old }).changed)
    end)
  end)

  describe("manifests rendered by the real helm", function()
    local function template(bin, set)
      local cmd = (".deps/bin/%s template shop %schart --namespace shop --no-hooks%s 2>&1"):format(
        bin, FIX, set and (" --set " .. set) or "")
      local p = assert(io.popen(cmd))
      local out = p:read("*a")
      assert.is_true(p:close(), out)
      return out
    end

    for _, bin in ipairs { "helm3", "helm4" } do
      it("compares two revisions as " .. bin .. " stores them", function()
        local old = template(bin)
        local new = template(bin, "replicas=3,service=true,password=second-password")
        assert.truthy(old:find("# Source: shop/templates/deployment.yaml", 1, true))
        local res = case(nil, { old = old, new = new })
        assert.same({ "change v1/Secret/shop/shop-db", "change apps/v1/Deployment/shop/shop-web",
          "add v1/Service/shop/shop-web" }, actions(res))
        golden("chart/diff.txt", render(res, { context = 3 }))
        assert.is_nil(render(res):find("second-password", 1, true))
        assert.is_false(case(nil, { old = old, new = template(bin) }).changed)
      end)
    end
  end)

  describe("output options", function()
    it("drops lines matching suppress_output_line_regex; a change left empty says so", function()
      local res = case("changes")
      local text = render(res, { suppress_output_line_regex = { "image:", "replicas:" } })
      assert.truthy(text:find("shop, web, Deployment (apps) has changed, but diff is empty after suppression.\n\n"
        .. "shop, web-config, ConfigMap (v1) has changed:", 1, true))
      assert.is_nil(text:find("image:", 1, true))
      local json = render(res, { format = "json", suppress_output_line_regex = { "image:", "replicas:" } })
      assert.truthy(json:find('"change": "MODIFY_SUPPRESSED"', 1, true))
    end)

    it("rejects a bad regular expression and an unknown format", function()
      local res = case("changes")
      local text, err = diff.render(res, { suppress_output_line_regex = { "(" } })
      assert.is_nil(text)
      assert.matches('suppress%-output%-line%-regex "%("', err)
      text, err = diff.render(res, { format = "yaml" })
      assert.is_nil(text)
      assert.equal('unknown diff output "yaml" (use diff, simple, json or template)', err)
    end)

    it("strips a trailing carriage return with strip_trailing_cr", function()
      local old = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: \"one\\r\"}\n"
      local new = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: \"two\\r\"}\n"
      local res = case(nil, { old = old, new = new })
      assert.truthy(render(res):find('x: "one\\r"', 1, true))
      assert.truthy(render(res, { strip_trailing_cr = true }):find('x: "one\\r"', 1, true))
    end)

    it("passes every text through mask, even where no Secret is", function()
      local old = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {token: s3cr3t-one, x: y}\n"
      local new = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {token: s3cr3t-two, x: y}\n"
      local mask = function(t) return (t:gsub("s3cr3t%-%a+", "<redacted>")) end
      local res = case(nil, { old = old, new = new, mask = mask })
      assert.is_true(res.changed)
      local text = render(res)
      assert.is_nil(text:find("s3cr3t", 1, true))
      assert.truthy(text:find("-   token: <redacted>\n+   token: <redacted>\n", 1, true))
      assert.is_nil(res.changes[1].old:find("s3cr3t", 1, true))
    end)

    it("masks a secret value that spans several lines", function()
      local cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  key: |\n    %s\n  x: %s\n"
      local secret = "line-one\n    line-two"
      local mask = function(t) return (t:gsub("line%-one\n +line%-two", "<redacted>")) end
      local res = case(nil, { old = cm:format(secret, "1"), new = cm:format(secret, "2"), mask = mask })
      local text = render(res)
      assert.is_nil(text:find("line-", 1, true))
      assert.truthy(text:find("-   x: 1\n+   x: 2\n", 1, true))
    end)
  end)

  describe("hostile manifests", function()
    local function compare_error(new)
      local ok, res, err = pcall(diff.compare, { old = "", new = new, namespace = "shop", release = "web" })
      assert.is_true(ok, tostring(res))
      assert.is_nil(res)
      return err
    end

    it("names the document, its source and the manifest line of bad YAML", function()
      local err = compare_error("---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\n"
        .. "metadata: {name: a}\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\n"
        .. "metadata:\n  name: [b\n  x: 1\n")
      assert.matches('^release "web": desired manifest: document 2 %(c/templates/b.yaml%): line 1[12] column %d+: ', err)
    end)

    it("refuses a 100 MB line without decoding it", function()
      local t0 = os.clock()
      local err = compare_error("---\n# Source: c/templates/big.yaml\napiVersion: v1\nkind: ConfigMap\n"
        .. "metadata: {name: big}\ndata:\n  x: " .. string.rep("a", 100 * 1024 * 1024) .. "\n")
      assert.equal('release "web": desired manifest: document 1 (c/templates/big.yaml): 104857696 bytes, '
        .. "more than the 10 MiB a Kubernetes object can hold", err)
      assert.is_true(os.clock() - t0 < 5)
    end)

    it("refuses deep nesting, aliases that explode, scalars and objects without a name", function()
      local err = compare_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: "
        .. string.rep("[", 5000) .. string.rep("]", 5000) .. "\n")
      assert.equal('release "web": desired manifest: document 1 (line 1): nested more than 200 levels deep', err)
      err = compare_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: "
        .. string.rep("[", 20000) .. string.rep("]", 20000) .. "\n")
      assert.matches("document 1 %(line 1%): line 4 column %d+: exceeded max depth", err)
      local bomb = { "a: &a [x,x,x,x,x,x,x,x,x]" }
      for i, n in ipairs { "b", "c", "d", "e", "f", "g", "h" } do
        local prev = ("abcdefg"):sub(i, i)
        bomb[#bomb + 1] = ("%s: &%s [%s]"):format(n, n, ("*" .. prev .. ","):rep(9):sub(1, -2))
      end
      err = compare_error(table.concat(bomb, "\n") .. "\n")
      assert.matches("document 1 %(line 1%): line %d+ column %d+: document contains excessive aliasing", err)
      assert.equal('release "web": desired manifest: document 2 (line 5): a string, not a Kubernetes object',
        compare_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nhello\n"))
      assert.equal('release "web": desired manifest: document 1 (line 1): v1 ConfigMap has no metadata.name',
        compare_error("apiVersion: v1\nkind: ConfigMap\n"))
      assert.equal('release "web": desired manifest: document 1 (line 1): apiVersion and kind must both be set',
        compare_error("kind: ConfigMap\nmetadata: {name: a}\n"))
    end)

    it("skips documents that hold only comments and warns about duplicates", function()
      local doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
      local res = assert(diff.compare { old = "", new = "---\n# Source: c/templates/empty.yaml\n# nothing\n---\n"
        .. doc .. "---\n" .. doc, namespace = "ns" })
      assert.same({ "add v1/ConfigMap/ns/a" }, actions(res))
      assert.same({ "desired manifest: document 3 (line 9): ConfigMap ns/a is already in document 2 (line 5); the first is used" },
        res.warnings)
    end)
  end)

  describe("key()", function()
    it("is apiVersion/kind/namespace/name, with the default namespace, none when cluster-scoped", function()
      assert.equal("apps/v1/Deployment/ns/web",
        diff.key({ apiVersion = "apps/v1", kind = "Deployment", metadata = { name = "web" } }, "ns"))
      assert.equal("apps/v1/Deployment/other/web",
        diff.key({ apiVersion = "apps/v1", kind = "Deployment", metadata = { name = "web", namespace = "other" } }, "ns"))
      assert.equal("v1/Namespace//ns",
        diff.key({ apiVersion = "v1", kind = "Namespace", metadata = { name = "ns", namespace = "x" } }, "ns"))
    end)
  end)

  describe("line diff", function()
    local function check(a, b)
      local recs = lines.diff(a, b)
      local left, right, common = {}, {}, 0
      for _, r in ipairs(recs) do
        if r.op ~= "+" then left[#left + 1] = r.text end
        if r.op ~= "-" then right[#right + 1] = r.text end
        if r.op == " " then common = common + 1 end
      end
      assert.same(a, left)
      assert.same(b, right)
      return common
    end

    it("finds the same longest common part by greedy search, score table or split table", function()
      math.randomseed(7)
      for _ = 1, 30 do
        local a, b = {}, {}
        for i = 1, math.random(0, 60) do a[i] = tostring(math.random(1, 6)) end
        for i = 1, math.random(0, 60) do b[i] = tostring(math.random(1, 6)) end
        local greedy = check(a, b)
        local saved_edits, saved_cells = lines.MAX_EDITS, lines.TABLE_CELLS
        lines.MAX_EDITS = 0
        local whole = check(a, b)
        lines.TABLE_CELLS = 8
        local split = check(a, b)
        lines.MAX_EDITS, lines.TABLE_CELLS = saved_edits, saved_cells
        assert.equal(whole, greedy)
        assert.equal(whole, split)
      end
    end)

    it("puts removed lines before added ones", function()
      assert.same({ { op = " ", text = "a" }, { op = "-", text = "b" }, { op = "+", text = "c" }, { op = " ", text = "d" } },
        lines.diff({ "a", "b", "d" }, { "a", "c", "d" }))
    end)

    it("diffs two 50 000-line objects in linear memory", function()
      local a, b = {}, {}
      for i = 1, 50000 do
        a[i] = "line " .. i
        b[i] = (i % 1000 == 0) and ("changed " .. i) or ("line " .. i)
      end
      local recs = lines.diff(a, b)
      assert.equal(100, lines.changes(recs))
    end)
  end)
end)
