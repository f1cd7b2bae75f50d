-- `hfl unittest` and st:unittest with the real helm 3 and helm 4 on the chart of
-- spec/fixtures/unittest: helm-unittest suites evaluated natively — passing and failing
-- suites for each supported assertion, documentIndex/documentSelector, failedTemplate, a
-- unitTests directory that does not exist, an unsupported assertion and --fail-fast.
local hflrun = require "spec.support.hflrun"
local fs = require "hfl.fs"

local ROOT = hflrun.root()
local FIX = ROOT .. "/spec/fixtures/unittest"
local BIN = ROOT .. "/.deps/bin/"

local function hfl(args, env)
  local tmp = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
  local vars = { TMPDIR = tmp }
  for k, v in pairs(env or {}) do vars[k] = v end
  local code, out, err = hflrun.run(args, { cwd = FIX, env = vars })
  local left = fs.list(tmp)
  fs.rm_r(tmp, fs.dirname(tmp))
  return code, out, err, left
end

-- The lines of one suite's block (from its PASS/FAIL line to the next suite or the summary).
local function suite_block(out, name)
  local start = out:find("  " .. name .. "\t", 1, true)
  assert(start, "no suite " .. name .. " in:\n" .. out)
  local stop = out:find("\n [A-Z][A-Z][A-Z][A-Z]  ", start) or out:find("\nCharts:", start, true)
  return out:sub(start, stop)
end

for _, bin in ipairs { "helm3", "helm4" } do
  describe("hfl unittest with " .. bin .. " #integration", function()
    it("passes every supported assertion kind and prints helm-unittest's summary", function()
      local code, out, err, left = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=pass" }
      assert.equal(0, code, err)
      assert.equal("Unit testing release=pass, chart=./charts/demo\n", err)
      assert.matches("\n### Chart %[ demo %] charts/demo\n", out)
      assert.matches("\n PASS  app passes\tcharts/demo/tests/app_test.yaml\n", out, 1, true)
      assert.matches("\n PASS  other templates\tcharts/demo/tests/other_test.yaml\n\t- SKIPPED 'is skipped'\n",
        out, 1, true)
      assert.matches("\n PASS  snapshots\tcharts/demo/tests/snapshot_test.yaml\n", out, 1, true)
      -- a subchart template whose required value is unset fails only the suites that select it
      assert.matches("\n PASS  subchart\tcharts/demo/tests/subchart_test.yaml\n", out, 1, true)
      assert.matches("\nCharts:      1 passed, 1 total\nTest Suites: 4 passed, 4 total\n"
        .. "Tests:       13 passed, 1 skipped, 14 total\nSnapshot:    5 passed, 5 total\nTime:        ", out, 1, true)
      assert.same({}, left)
    end)

    it("reports each failure with its template, document, path, expected and actual, and exits 1", function()
      local code, out = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=fail" }
      assert.equal(1, code)
      local block = suite_block(out, "failing")
      assert.matches("^  failing\tcharts/demo/tests%-fail/fail_test.yaml\n", block)
      assert.matches(table.concat({
        "\t- compares the wrong name", "", "\t\t- asserts[0] `equal` fail",
        "\t\t\tTemplate:\tdemo/templates/app.yaml", "\t\t\tDocumentIndex:\t0", "\t\t\tValuesIndex:\t0",
        "\t\t\tPath:\tmetadata.name", "\t\t\tExpected to equal:", "\t\t\t\tother", "\t\t\tActual:",
        "\t\t\t\tRELEASE-NAME-demo", "\t\t\tDiff:", "\t\t\t\t--- Expected", "\t\t\t\t+++ Actual",
        "\t\t\t\t@@ -1,2 +1,2 @@", "\t\t\t\t-other", "\t\t\t\t+RELEASE-NAME-demo", "", "\t- misses a document" },
        "\n"), block, 1, true)
      -- the second assertion of that test passed: it is not listed
      assert.not_matches("asserts%[1%] `isKind`", block)
      assert.matches("\t\t- asserts[0] `exists` fail\n\t\t\tError:\n\t\t\tdocument not found\n", block, 1, true)
      assert.matches("\t\t\tError:\n\t\t\tdocument index 5 is out of range\n", block, 1, true)
      assert.matches("\t- expects a failure that does not happen\n\n\t\t- asserts[0] `failedTemplate` fail\n"
        .. "\t\t\tTemplate:\tdemo/templates/guard.yaml\n", block, 1, true)
      assert.matches("\t- renders with an error nobody expected\n"
        .. "\t\tError: execution error at (demo/templates/guard.yaml:1:25): boom is set\n", block, 1, true)
      assert.matches("\t\t\tExpected documents count to be:\n\t\t\t\t3\n\t\t\tActual:\n\t\t\t\t2\n", block, 1, true)
      assert.matches("\t\t\tPath:\tspec.template.spec.containers\n\t\t\tExpected to match count:\n\t\t\t\t1\n"
        .. "\t\t\tActual:\n\t\t\t\t2\n", block, 1, true)
      assert.matches("\t\t\tExpected to contain:\n\t\t\t\t- name: nope\n\t\t\tActual:\n\t\t\t\t- image: nginx:1.25\n",
        block, 1, true)
      assert.matches("\t\t\tExpected to match:\n\t\t\t\t^x\n\t\t\tActual:\n\t\t\t\tRELEASE-NAME-demo\n", block, 1, true)
      assert.matches("\t\t\tExpected NOT to be null or empty, got:\n\t\t\t\t\"\"\n", block, 1, true)
      assert.matches("\t\t\tPath:\tmetadata\n\t\t\tExpected to contain:\n\t\t\t\tname: nope\n", block, 1, true)
      assert.matches("\t\t\tPath:\tkind expected to NOT exists\n", block, 1, true)
      assert.matches("\nCharts:      1 failed, 0 passed, 1 total\nTest Suites: 2 failed, 0 passed, 2 total\n"
        .. "Tests:       8 failed, 2 errored, 0 passed, 8 total\nSnapshot:    1 failed, 1 passed, 2 total\n", out, 1, true)
      assert.matches("\t- reads a values file that does not exist\n\t\tError: open " .. FIX
        .. "/charts/demo/tests-fail/no-such-values.yaml: no such file or directory\n", out, 1, true)
    end)

    it("fails a changed snapshot with the diff, and a pattern found in one", function()
      local _, out = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=fail" }
      local block = suite_block(out, "changed snapshots")
      assert.matches(table.concat({ "\t\t- asserts[0] `matchSnapshot` fail", "\t\t\tTemplate:\tdemo/templates/app.yaml",
        "\t\t\tDocumentIndex:\t0", "\t\t\tValuesIndex:\t0", "\t\t\tPath:\tspec.template.spec.containers[0]",
        "\t\t\tExpected to match snapshot 1:", "\t\t\t\t--- Expected", "\t\t\t\t+++ Actual",
        "\t\t\t\t@@ -1,2 +1,2 @@", "\t\t\t\t-image: nginx:1.24", "\t\t\t\t+image: nginx:1.25",
        "\t\t\t\t name: app", "" }, "\n"), block, 1, true)
      assert.matches("\t\t\tExpected pattern 'RELEASE' should not be in snapshot:\n\t\t\t\tRELEASE-NAME-demo\n",
        block, 1, true)
      assert.matches("\nSnapshot Summary: 1 snapshot failed in 1 test suite.", out, 1, true)
    end)

    it("records the snapshots a suite does not have yet, then compares with them", function()
      local dir = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
      assert(os.execute(("cp -r %q/. %q"):format(FIX, dir)) == 0)
      local snap = dir .. "/charts/demo/tests/__snapshot__/snapshot_test.yaml.snap"
      local recorded = assert(fs.read(snap))
      assert(fs.remove(snap))
      local run = function(args)
        return hflrun.run(args, { cwd = dir, env = { TMPDIR = dir } })
      end
      local code, out, err = run { "-b", BIN .. bin, "unittest", "-l", "suite=pass" }
      assert.equal(0, code, err)
      assert.matches("\nSnapshot:    5 passed, 5 total\n", out, 1, true)
      assert.equal(recorded, fs.read(snap))
      code, out = run { "-b", BIN .. bin, "unittest", "-l", "suite=pass", "--set", "image=nginx:1.26" }
      assert.equal(1, code)
      assert.matches("\t\t\t\t-image: nginx:1.25\n\t\t\t\t+image: nginx:1.26\n", out, 1, true)
      assert.equal(recorded, fs.read(snap))
      fs.rm_r(dir, fs.dirname(dir))
    end)

    it("stops at the first failure with --fail-fast, runs everything without", function()
      local code, out = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=failfast", "--fail-fast" }
      assert.equal(1, code)
      assert.matches("asserts[0] `equal` fail", out, 1, true)
      assert.not_matches("asserts%[1%]", out)
      assert.not_matches("second", out)
      assert.matches("\nTest Suites: 1 failed, 0 passed, 1 total\nTests:       1 failed, 0 passed, 1 total\n",
        out, 1, true)
      code, out = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=failfast" }
      assert.equal(1, code)
      assert.matches("asserts[1] `equal` fail", out, 1, true)
      assert.matches("\n PASS  second\t", out, 1, true)
      assert.matches("\nTest Suites: 1 failed, 1 passed, 2 total\nTests:       1 failed, 2 passed, 3 total\n",
        out, 1, true)
    end)

    it("warns about a unitTests directory that does not exist and passes, as helm unittest does", function()
      local code, out, err = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=missing" }
      assert.equal(0, code, err)
      assert.matches('release "missing": unitTests path "no-such-dir/*_test.yaml" matched no test suite in '
        .. "charts/demo\n", err, 1, true)
      assert.matches("\nTest Suites: 0 passed, 0 total\nTests:       0 passed, 0 total\n", out, 1, true)
    end)

    it("refuses an assertion it does not evaluate, naming the suite file and line", function()
      local code, out, err = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=unsupported" }
      assert.equal(1, code)
      assert.equal("", out)
      assert.equal('hfl: release "unsupported": charts/demo/tests-unsupported/lookup_test.yaml:6: '
        .. "kubernetesProvider: faking cluster objects for lookup is not supported\n", err)
    end)

    it("renders once per distinct input (--debug-plugin logs each helm command)", function()
      local code, _, err = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=pass", "--debug-plugin" }
      assert.equal(0, code, err)
      local n = 0
      for _ in err:gmatch("unittest: [^\n]* template ") do n = n + 1 end
      -- 13 tests run; the tests of a suite without set/release/capabilities/chart share a render
      assert.equal(9, n)
    end)

    it("renders natively by default, with the results helm's renders give", function()
      local code, out, err = hfl { "-b", BIN .. bin, "--debug", "unittest", "-l", "suite=pass" }
      assert.equal(0, code, err)
      local native = 0
      for _ in err:gmatch("rendered by the native renderer") do native = native + 1 end
      assert.is_true(native > 0, err)
      local hcode, hout, herr = hfl({ "-b", BIN .. bin, "--debug", "unittest", "-l", "suite=pass" },
        { HFL_RENDERER = "helm" })
      assert.equal(0, hcode, herr)
      assert.not_matches("rendered by the native renderer", herr, 1, true)
      local function summary(text) return (text:gsub("\nTime: [^\n]*", "")) end
      assert.equal(summary(hout), summary(out))
    end)

    it("colours the labels with --color and warns that --args has no plugin to go to", function()
      local code, out, err = hfl { "-b", BIN .. bin, "--color", "unittest", "-l", "suite=pass", "--args", "--strict" }
      assert.equal(0, code, err)
      assert.matches("\n\27[42;30m PASS \27[0m \27[1mapp passes\27[0m\t\27[2mcharts/demo/tests/\27[0mapp_test.yaml\n",
        out, 1, true)
      assert.matches("--args is not used by unittest", err, 1, true)
    end)

    it("renders an umbrella chart that has no templates of its own", function()
      local code, out, err = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=umbrella" }
      assert.equal(0, code, err)
      assert.matches("\n PASS  an umbrella chart without templates of its own\t", out, 1, true)
      assert.matches("\nTests:       1 passed, 1 total\n", out, 1, true)
    end)

    it("passes --set to every test's values", function()
      local code, out = hfl { "-b", BIN .. bin, "unittest", "-l", "suite=pass", "--set", "image=busybox" }
      assert.equal(1, code)
      assert.matches("Path:\tspec.template.spec.containers[0].image\n\t\t\tExpected to match:\n\t\t\t\t^nginx", out,
        1, true)
    end)
  end)
end

describe("st:unittest #integration", function()
  local state = require "hfl.state"

  local function load(selector)
    local cwd = fs.cwd()
    return assert(state.load { file = FIX .. "/helmfile.yaml", selectors = { selector },
      helm_binary = BIN .. "helm4", cwd = cwd })
  end

  it("returns the suites, tests and assertions as tables", function()
    local st = load("suite=fail")
    local res = assert(st:unittest())
    assert.is_false(res.passed)
    assert.same({ passed = 0, failed = 1, skipped = 0, errored = 0 }, res.counts.charts)
    assert.same({ passed = 0, failed = 8, skipped = 0, errored = 2 }, res.counts.tests)
    assert.same({ passed = 1, failed = 1, skipped = 0, errored = 0, suites_failed = 1 }, res.counts.snapshots)
    local r = res.releases[1]
    assert.equal("fail", r.release.name)
    assert.equal("demo", r.chart)
    local s = r.suites[1]
    assert.equal("failing", s.name)
    assert.equal("compares the wrong name", s.tests[1].name)
    local a = s.tests[1].asserts
    assert.same({ false, true }, { a[1].passed, a[2].passed })
    assert.equal("equal", a[1].type)
    assert.equal("Template:\tdemo/templates/app.yaml", a[1].info[1])
    assert.equal("execution error at (demo/templates/guard.yaml:1:25): boom is set", s.tests[5].error)
  end)

  it("passes the passing suites and skips the skipped test", function()
    local res = assert(load("suite=pass"):unittest { set = { "replicas=3" } })
    assert.is_true(res.passed)
    assert.same({ passed = 13, failed = 0, skipped = 1, errored = 0 }, res.counts.tests)
  end)

  it("is nil and the file:line for a suite it cannot run", function()
    local res, err = load("suite=unsupported"):unittest()
    assert.is_nil(res)
    assert.matches("lookup_test.yaml:6: kubernetesProvider: faking cluster objects for lookup is not supported", err)
  end)

  it("stops after the first failing test with fail_fast", function()
    local res = assert(load("suite=failfast"):unittest { fail_fast = true })
    assert.equal(1, #res.releases[1].suites)
    assert.equal(1, #res.releases[1].suites[1].tests)
    assert.equal(1, #res.releases[1].suites[1].tests[1].asserts)
  end)
end)

describe("hfl unittest snapshots behind a symlink #integration", function()
  it("writes no snapshot where a symlinked __snapshot__ or suite directory points", function()
    local dir = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
    local outside = assert(fs.mkdtemp("hfl-spec-XXXXXX"))
    assert(os.execute(("cp -r %q/. %q"):format(FIX, dir)) == 0)
    local tests = dir .. "/charts/demo/tests"
    assert(fs.rm_r(tests .. "/__snapshot__", tests))
    assert(os.execute(("ln -s %q %q"):format(outside, tests .. "/__snapshot__")) == 0)
    local code, out, err = hflrun.run({ "-b", BIN .. "helm4", "unittest", "-l", "suite=pass" },
      { cwd = dir, env = { TMPDIR = dir } })
    assert.equal(1, code, out)
    assert.matches("charts/demo/tests/__snapshot__/snapshot_test.yaml.snap: " .. tests
      .. "/__snapshot__ resolves to " .. fs.realpath(outside) .. ", outside the chart", err, 1, true)
    assert.same({}, fs.list(outside))
    -- a snapshot file linked to a file outside: not read (a failed comparison would show it)
    assert(fs.remove(tests .. "/__snapshot__"))
    assert(fs.mkdir_p(tests .. "/__snapshot__"))
    assert(fs.write_atomic(outside .. "/private", "test: {\"1\": \"TOP-SECRET\"}\n"))
    assert(os.execute(("ln -s %q %q"):format(outside .. "/private",
      tests .. "/__snapshot__/snapshot_test.yaml.snap")) == 0)
    code, out, err = hflrun.run({ "-b", BIN .. "helm4", "unittest", "-l", "suite=pass" },
      { cwd = dir, env = { TMPDIR = dir } })
    assert.equal(1, code, out)
    assert.matches("snapshot_test.yaml.snap resolves to " .. fs.realpath(outside) .. "/private, outside the chart",
      err, 1, true)
    assert.is_nil((out .. err):find("TOP-SECRET", 1, true))
    assert(fs.remove(tests .. "/__snapshot__/snapshot_test.yaml.snap"))
    assert(fs.remove(outside .. "/private"))
    assert(fs.rm_r(tests .. "/__snapshot__", tests))
    -- the suites' directory a link out of the chart: not even __snapshot__ is made there
    assert(os.execute(("mv %q %q && ln -s %q %q"):format(tests, outside .. "/tests",
      outside .. "/tests", tests)) == 0)
    code, out, err = hflrun.run({ "-b", BIN .. "helm4", "unittest", "-l", "suite=pass" },
      { cwd = dir, env = { TMPDIR = dir } })
    assert.equal(1, code, out)
    assert.matches("resolves to " .. fs.realpath(outside) .. "/tests, outside the chart", err, 1, true)
    assert.is_nil(fs.lstat(outside .. "/tests/__snapshot__"))
    fs.rm_r(dir, fs.dirname(dir))
    fs.rm_r(outside, fs.dirname(outside))
  end)
end)
