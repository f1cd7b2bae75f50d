-- Golden command lines of hfl.helm.argv for Helm 3 and Helm 4 (compat §5.3 "Flag order",
-- §2.3 field rules, Appendix A), built from the releases of spec/fixtures/helm/flags.
local hfl = require "hfl"
local argv = require "hfl.helm.argv"
local flags = require "hfl.helm.flags"
local helm = require "hfl.helm"

local FIX = "spec/fixtures/helm/flags/helmfile.yaml"
local H3 = { binary = "helm", version = "3.17.3", major = "3" }
local H4 = { binary = "helm", version = "4.1.4", major = "4" }

local function logger()
  local warnings = {}
  local function drop() end
  return { debug = drop, info = drop, error = drop, warnings = warnings,
    warn = function(f, ...) warnings[#warnings + 1] = f:format(...) end }
end

local function setup(session_opts)
  local session = require("hfl.session").new(session_opts or { log = logger() })
  local st = assert(hfl.load { file = FIX, session = session })
  local by = {}
  for _, r in ipairs(st:releases()) do by[r.name] = r end
  return st, by, session
end

local function prep(session, r, h)
  return { release = r, session = session, helm = h, major = h.major, chart = "/cache/chart",
    values_file = "/tmp/run/values.yaml" }
end

local function line(list)
  return table.concat(list, " ")
end

describe("hfl.helm.argv #unit", function()
  describe("upgrade()", function()
    -- --labels: Helmfile's release labels (name, namespace and chart built in) without the
    -- labels Helm keeps for itself (name, owner, status, version), plus hfl's own
    it("puts every flag of a release in Helmfile's order on Helm 3", function()
      local _, by, session = setup()
      local got = assert(argv.upgrade(prep(session, by.full, H3), { labels = { ["hfl.digest"] = "abc" } }))
      assert.equal("helm --kube-context state-ctx upgrade --install full /cache/chart --enable-dns --wait"
        .. " --wait-for-jobs --timeout 60s --force --recreate-pods --atomic --cleanup-on-fail"
        .. " --create-namespace --disable-openapi-validation --kube-context other-ctx"
        .. " --insecure-skip-tls-verify --labels chart=chart,hfl.digest=abc,namespace=apps,team=core --post-renderer ./render.sh"
        .. " --description the full one --post-renderer-args=--flavour --post-renderer-args=x"
        .. " --skip-schema-validation --take-ownership --dependency-update --namespace apps"
        .. " --values /tmp/run/values.yaml --reuse-values --history-max 5 --burst-limit 50",
        line(got))
    end)

    it("spells the flags Helm 4 renamed its way and runs a script post-renderer as a plugin", function()
      local _, by, session = setup()
      local got = assert(argv.upgrade(prep(session, by.full, H4), {}))
      local s = line(got)
      assert.matches(" --force-replace ", s, 1, true)
      assert.matches(" --rollback-on-failure ", s, 1, true)
      assert.matches(" --post-renderer render ", s, 1, true)
      assert.is_nil(s:find("--atomic", 1, true))
      assert.is_nil(s:find("--recreate-pods", 1, true))
      assert.is_nil(s:find(" --force ", 1, true))
      assert.same({ 'release "full": Helm 4 has no --recreate-pods: leaving it out' },
        session.log.warnings)
    end)

    it("lets the CLI's options win where Helmfile's rules say so", function()
      local _, by, session = setup()
      local got = assert(argv.upgrade(prep(session, by.plain, H3), {
        wait = true, timeout = 30, reset_values = true, reuse_values = true, skip_crds = true,
        sync_args = "--atomic-ish 'two words'", args = "--qps 5", debug = true,
        description = "from cli", post_renderer = "/bin/pr", post_renderer_args = { "a" },
        hide_notes = true,
      }))
      -- release wait: false beats helmDefaults' true, but not the CLI's --wait; the CLI's
      -- --sync-args replace helmDefaults.syncArgs; --reset-values beats --reuse-values
      assert.equal("helm --kube-context state-ctx upgrade --install plain /cache/chart --wait"
        .. " --timeout 30s --post-renderer /bin/pr --description from cli --post-renderer-args=a"
        .. " --hide-notes --atomic-ish two words --values /tmp/run/values.yaml --skip-crds"
        .. " --reset-values --history-max 5 --qps 5 --burst-limit 50 --debug", line(got))
    end)

    it("passes Helm-4-only fields on Helm 4 and refuses them on Helm 3, naming the release", function()
      local _, by, session = setup()
      local got = assert(argv.upgrade(prep(session, by.h4only, H4), {}))
      local s = line(got)
      assert.truthy(s:find(" --rollback-on-failure ", 1, true) < s:find(" --server-side=auto ", 1, true))
      assert.matches("--force-conflicts", line(got), 1, true)
      local none, err = argv.upgrade(prep(session, by.h4only, H3), {})
      assert.is_nil(none)
      assert.equal('release "h4only": forceConflicts needs Helm 4 (helm is 3.17.3)', err)
    end)

    it("refuses atomic together with rollbackOnFailure", function()
      local _, by, session = setup()
      local none, err = argv.upgrade(prep(session, by.both, H4), {})
      assert.is_nil(none)
      assert.equal('release "both": atomic and rollbackOnFailure cannot both be set (choose one)', err)
    end)

    it("leaves out flags older helms lack, with a warning", function()
      local _, by, session = setup()
      local got = assert(argv.upgrade(prep(session, by.full, { binary = "helm", version = "3.12.0", major = "3" }), {}))
      local s = line(got)
      assert.is_nil(s:find("--labels", 1, true))
      assert.is_nil(s:find("--take-ownership", 1, true))
      assert.matches("--description the full one", s, 1, true)
      assert.equal(2, #session.log.warnings)
    end)

    it("puts --kubeconfig first and the CLI's kube context before the subcommand", function()
      local _, by, session = setup { log = logger(), kubeconfig = "/k/config", kube_context = "cli-ctx" }
      local got = assert(argv.upgrade(prep(session, by.plain, H4), {}))
      assert.same({ "helm", "--kubeconfig", "/k/config", "--kube-context", "cli-ctx", "upgrade" },
        { unpack(got, 1, 6) })
    end)
  end)

  describe("template()", function()
    it("builds Helmfile's template command line", function()
      local _, by, session = setup()
      local got = assert(argv.template(prep(session, by.full, H3), {
        show_only = { "templates/a.yaml" }, output_dir = "/out/x", validate = true,
        include_crds = true, no_hooks = true, skip_tests = true }))
      assert.equal("helm --kube-context state-ctx template full /cache/chart --enable-dns"
        .. " --post-renderer ./render.sh --post-renderer-args=--flavour --post-renderer-args=x"
        .. " --api-versions example.com/v1 --kube-version 1.30.0 --insecure-skip-tls-verify"
        .. " --show-only templates/a.yaml --skip-schema-validation --kube-context other-ctx"
        .. " --is-upgrade --namespace apps --values /tmp/run/values.yaml --output-dir /out/x"
        .. " --validate --include-crds --no-hooks --skip-tests --burst-limit 50", line(got))
    end)

    it("takes --kube-version and --template-args from the CLI over the state", function()
      local _, by, session = setup()
      local got = assert(argv.template(prep(session, by.plain, H4), { kube_version = "1.29.0",
        template_args = "--dry-run=server" }))
      assert.equal("helm --kube-context state-ctx template plain /cache/chart"
        .. " --post-renderer-args=default-arg --kube-version 1.29.0 --dry-run=server"
        .. " --values /tmp/run/values.yaml --burst-limit 50", line(got))
    end)
  end)

  describe("lint(), uninstall(), status(), test()", function()
    it("build Helmfile's command lines", function()
      local _, by, session = setup()
      session._flights.helm = { helm = { done = true, a = H4 } }
      assert.equal("helm --kube-context state-ctx lint /cache/chart --kube-context other-ctx"
        .. " --namespace apps --values /tmp/run/values.yaml --skip-schema-validation --burst-limit 50",
        line(assert(argv.lint(prep(session, by.full, H4), {}))))
      assert.equal("helm --kube-context state-ctx uninstall full --kube-context other-ctx"
        .. " --cascade foreground --wait --timeout 30s --namespace apps --burst-limit 50",
        line(assert(argv.uninstall(by.full, session, {}))))
      assert.equal("helm --kube-context state-ctx status full --namespace apps"
        .. " --kube-context other-ctx --burst-limit 50", line(assert(argv.status(by.full, session, {}))))
      assert.equal("helm --kube-context state-ctx test full --namespace apps --logs --timeout 300s"
        .. " --kube-context other-ctx --burst-limit 50",
        line(assert(argv.test(by.full, session, { logs = true }))))
    end)

    it("return helm's one-line 'not found' error naming --helm-binary", function()
      local _, by = setup()
      local session = require("hfl.session").new { helm_binary = "/nonexistent/helm" }
      local none, err = argv.status(by.full, session, {})
      assert.is_nil(none)
      assert.matches('cannot run "/nonexistent/helm"', err, 1, true)
      assert.matches("install Helm 3 or 4 .* %-%-helm%-binary or HELMFILE_HELM_BINARY$", err)
      assert.is_nil(err:find("\n", 1, true))
    end)
  end)

  describe("split_args()", function()
    it("splits on whitespace and keeps quoted words together", function()
      assert.same({ "--set", "a=b c", "--x", "it's" }, argv.split_args([[--set "a=b c"  --x it\'s]]))
      local none, err = argv.split_args("--set 'a")
      assert.is_nil(none)
      assert.matches("unterminated ' quote", err, 1, true)
    end)
  end)
end)

describe("hfl.helm.flags #unit", function()
  it("compares helm versions", function()
    assert.is_true(flags.at_least("3.13.0", "3.13.0"))
    assert.is_true(flags.at_least("4.0.0", "3.17.0"))
    assert.is_false(flags.at_least("3.12.9", "3.13.0"))
    assert.is_true(flags.supported("--labels", H4))
    assert.is_false(flags.supported("--hide-notes", { version = "3.15.2", major = "3" }))
  end)
end)

describe("hfl.helm.redact_argv() #unit", function()
  it("hides every --set value, in both forms, and URL credentials", function()
    assert.same({ "helm", "upgrade", "--set", "*** STRIP ***", "--set-string=*** STRIP ***",
      "--set-file", "*** STRIP ***", "--repo", "https://host/charts", "--values", "/v.yaml" },
      helm.redact_argv { "helm", "upgrade", "--set", "password=hunter2", "--set-string=token=t0k",
        "--set-file", "cert=/secret.pem", "--repo", "https://user:pw@host/charts", "--values", "/v.yaml" })
  end)

  it("reports a failed helm command as Helmfile does, --set values stripped", function()
    local report = helm.failure_report { argv = { "helm", "upgrade", "--set", "pw=hunter2" }, code = 1,
      stdout = "", stderr = "Error: boom\n" }
    assert.equal(table.concat({
      'command "helm" exited with non-zero status:', "", "PATH:", "", "  helm", "", "ARGS:", "",
      "  0: helm (4 bytes)", "  1: upgrade (7 bytes)", "  2: --set (5 bytes)",
      "  3: *** STRIP *** (13 bytes)", "", "ERROR:", "", "  exit status 1", "", "EXIT STATUS", "",
      "  1", "", "STDERR:", "", "  Error: boom", "", "COMBINED OUTPUT:", "", "  Error: boom" }, "\n"),
      report)
    assert.is_nil(report:find("hunter2", 1, true))
  end)
end)
