-- hfl.chart's --output-dir (hfl.chart.outdir) and Helm 3's --post-renderer
-- (hfl.chart.postrender) against the real helm binaries: the same files (paths, bytes,
-- permission bits), the same stdout, on the webapp fixture chart (manifests of several
-- documents in one file, hooks, a test, CRDs of the chart and of a subchart). #unit
local chart = require "hfl.chart"
local proc = require "hfl.proc"

local FIX = "spec/fixtures/charts/webapp"
local HELMS = { ["3"] = ".deps/bin/helm3", ["4"] = ".deps/bin/helm4" }

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

-- Every file under dir: relative path, permission bits, content.
local function tree(dir)
  return sh("cd '" .. dir .. "' && find . -type f | sort | while read -r f; do "
    .. "printf '== %s %s\\n' \"$f\" \"$(stat -c %a \"$f\")\"; cat \"$f\"; done")
end

local function helm(v, args, env)
  local argv = { HELMS[v], "template", "web", FIX, "-n", "apps", env = env or { KUBECONFIG = "/dev/null/none" } }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local res = assert(proc.run(argv))
  return res.code == 0 and res.stdout or nil, res.stderr
end

local function native(v, args)
  local argv = { "helm", "template", "web", FIX, "-n", "apps" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return chart.template_argv(argv, v)
end

describe("hfl.chart --output-dir #unit", function()
  local base
  before_each(function()
    base = os.tmpname()
    os.remove(base)
    assert(os.execute("mkdir -p '" .. base .. "/helm' '" .. base .. "/native'") == 0)
  end)
  after_each(function() os.execute("chmod -R u+w '" .. base .. "'; rm -rf '" .. base .. "'") end)

  -- files an earlier run left: a hook's file (helm appends to it) and a manifest's file with
  -- other permission bits (replaced, its mode kept)
  local function leave_old_files(dir)
    assert(os.execute("mkdir -p '" .. dir .. "/webapp/templates/tests' && echo OLD > '" .. dir
      .. "/webapp/templates/tests/test-connection.yaml' && echo OLD > '" .. dir
      .. "/webapp/templates/service.yaml' && chmod 600 '" .. dir .. "/webapp/templates/service.yaml'") == 0)
  end

  for _, v in ipairs { "3", "4" } do
    for _, extra in ipairs { {}, { "--include-crds" }, { "--release-name" }, { "--no-hooks" },
        { "--include-crds", "--release-name", "--skip-tests" } } do
      for _, old in ipairs { false, true } do
        it(("writes what helm %s writes with %s%s"):format(v, table.concat(extra, " "),
            old and ", over files of an earlier run" or ""), function()
          local hdir, ndir = base .. "/helm/", base .. "/native/"
          if old then
            leave_old_files(hdir)
            leave_old_files(ndir)
          end
          local hargs, nargs = { "--output-dir", hdir }, { "--output-dir", ndir }
          for _, a in ipairs(extra) do
            hargs[#hargs + 1] = a
            nargs[#nargs + 1] = a
          end
          local want = assert(helm(v, hargs))
          local got, why = native(v, nargs)
          assert.is_nil(why)
          assert.are.equal((want:gsub(hdir, ndir, 1):gsub("/helm/", "/native/")), got)
          assert.matches("wrote " .. ndir, got, 1, true)
          assert.are.equal(tree(hdir), tree(ndir))
        end)
      end
    end
  end

  it("leaves to helm a directory it cannot create, before writing anything", function()
    local dir = base .. "/native"
    assert(os.execute("touch '" .. dir .. "/file'") == 0)
    local got, why = native("3", { "--output-dir", dir .. "/file/out" })
    assert.is_nil(got)
    assert.matches("cannot create the directory", why, 1, true)
    assert.is_nil((helm("3", { "--output-dir", base .. "/native/file/out" })))
    assert.are.equal(dir .. "/file\n", sh("find '" .. dir .. "' -mindepth 1"))
  end)

  it("leaves to helm a symlink where a file goes (helm writes through it)", function()
    local dir = base .. "/native"
    assert(os.execute("mkdir -p '" .. dir .. "/webapp/templates' && ln -s /dev/null '" .. dir
      .. "/webapp/templates/service.yaml'") == 0)
    local got, why = native("3", { "--output-dir", dir })
    assert.is_nil(got)
    assert.matches("not a regular file", why, 1, true)
  end)
end)

describe("hfl.chart --post-renderer #unit", function()
  local dir
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "'") == 0)
    local f = assert(io.open(dir .. "/label.sh", "w"))
    f:write('#!/bin/sh\nsed "s/^metadata:/metadata:\\n  labels: {post: \\"$1\\"}/"\necho "# $# args, cwd $(pwd)"\n')
    f:close()
    f = assert(io.open(dir .. "/fail.sh", "w"))
    f:write("#!/bin/sh\necho broken >&2\nexit 3\n")
    f:close()
    assert(os.execute("chmod +x '" .. dir .. "/label.sh' '" .. dir .. "/fail.sh'") == 0)
  end)
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  for _, args in ipairs {
    { "--post-renderer", "@/label.sh" },
    { "--post-renderer-args", "a b", "--post-renderer", "@/label.sh", "--post-renderer-args=c" },
    { "--post-renderer", "@/label.sh", "--include-crds", "--show-only", "templates/service.yaml" },
    { "--post-renderer", "@/label.sh", "--show-only", "templates/tests/test-connection.yaml" },
    { "--post-renderer", "@/label.sh", "--no-hooks", "--skip-tests" },
  } do
    it("runs it as helm 3 does with " .. table.concat(args, " "), function()
      local a = {}
      for i, x in ipairs(args) do a[i] = x:gsub("@", dir) end
      local want = assert(helm("3", a))
      local got, why = native("3", a)
      assert.is_nil(why)
      assert.are.equal(want, got)
      -- hooks (the test) are not post-rendered
      if not table.concat(args, " "):find("tests/") then assert.matches("labels: {post:", got, 1, true) end
    end)
  end

  it("leaves a failing post-renderer, and helm 4's plugins, to helm", function()
    local got, why = native("3", { "--post-renderer", dir .. "/fail.sh" })
    assert.is_nil(got)
    assert.matches("failed", why, 1, true)
    assert.is_nil((helm("3", { "--post-renderer", dir .. "/fail.sh" })))
    got, why = native("4", { "--post-renderer", "label" })
    assert.is_nil(got)
    assert.matches("helm 4", why, 1, true)
  end)
end)
