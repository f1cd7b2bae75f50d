-- hfl.state.load renders independent state files at once: the `helmfiles:` of a state and the
-- files of helmfile.d. Results, errors and log lines keep the one-by-one order. #unit
local loader = require "hfl.state.load"
local T = require "fixtures.state.loader.tree"

local function names(states)
  local out = {}
  for i, s in ipairs(states) do out[i] = s.name end
  return out
end

local function release_names(states)
  local out = {}
  for _, s in ipairs(states) do
    for _, r in ipairs(s.doc.releases or {}) do out[#out + 1] = r.name end
  end
  return out
end

-- A template expression whose exec marks `me` as started in dir/met and waits (≤ 5 s) until
-- `count` files have started: only files rendered at the same time get past it.
local function meet(dir, me, count)
  return ('{{ exec "sh" (list "-c" "touch %s/met/%s; n=0; while [ $(ls %s/met | wc -l) -lt %d ]; do '
    .. 'n=$((n+1)); [ $n -gt 500 ] && exit 9; sleep 0.01; done; echo %s") | trim }}'):format(dir, me, dir, count, me)
end

local function sleep_then(seconds, word)
  return ('{{ exec "sh" (list "-c" "sleep %s; echo %s") | trim }}'):format(seconds, word)
end

local function new_dir()
  local dir = T.tree { ["met/.keep"] = "" }
  os.remove(dir .. "/met/.keep")
  return dir
end

local function write(dir, files)
  for path, text in pairs(files) do
    local full = dir .. "/" .. path
    assert(os.execute("mkdir -p '" .. full:match("^(.*)/") .. "'") == 0)
    local f = assert(io.open(full, "wb"))
    f:write(text)
    f:close()
  end
end

describe("hfl.state.load concurrency #unit", function()
  after_each(function()
    T.restore_env()
    T.cleanup()
  end)

  it("renders the sub-helmfiles of a state at the same time, keeping their order", function()
    local dir = new_dir()
    local subs = { "helmfiles:" }
    for i = 1, 4 do
      subs[#subs + 1] = ("- subs/s%d.yaml.gotmpl"):format(i)
      write(dir, { [("subs/s%d.yaml.gotmpl"):format(i)] = ("releases:\n- name: %s\n  chart: ./c\n")
        :format(meet(dir, "r" .. i, 4)) })
    end
    write(dir, { ["helmfile.yaml"] = table.concat(subs, "\n") .. "\nreleases:\n- name: parent\n  chart: ./c\n" })
    local states, err = loader.load { cwd = dir }
    assert.is_nil(err)
    assert.are.same({ "subs/s1.yaml.gotmpl", "subs/s2.yaml.gotmpl", "subs/s3.yaml.gotmpl",
      "subs/s4.yaml.gotmpl", "helmfile.yaml" }, names(states))
    assert.are.same({ "r1", "r2", "r3", "r4", "parent" }, release_names(states))
  end)

  it("renders the files of helmfile.d at the same time, in name order (reversed with reverse)", function()
    local dir = new_dir()
    for _, n in ipairs { "a", "b", "c" } do
      write(dir, { [("helmfile.d/%s.yaml.gotmpl"):format(n)] = ("releases:\n- name: %s\n  chart: ./c\n")
        :format(meet(dir, n, 3)) })
    end
    local states, err = loader.load { cwd = dir }
    assert.is_nil(err)
    assert.are.same({ "a", "b", "c" }, release_names(states))
    os.execute("rm -f " .. dir .. "/met/*")
    states, err = loader.load { cwd = dir, reverse = true }
    assert.is_nil(err)
    assert.are.same({ "c", "b", "a" }, release_names(states))
  end)

  it("loads the sub-helmfiles of sub-helmfiles at the same time as their uncles", function()
    local dir = new_dir()
    write(dir, {
      ["helmfile.yaml"] = "helmfiles:\n- a/helmfile.yaml\n- b.yaml.gotmpl\n",
      ["a/helmfile.yaml"] = "helmfiles:\n- a1.yaml.gotmpl\n- a2.yaml.gotmpl\n",
      ["a/a1.yaml.gotmpl"] = ("releases:\n- name: %s\n  chart: ./c\n"):format(meet(dir, "a1", 3)),
      ["a/a2.yaml.gotmpl"] = ("releases:\n- name: %s\n  chart: ./c\n"):format(meet(dir, "a2", 3)),
      ["b.yaml.gotmpl"] = ("releases:\n- name: %s\n  chart: ./c\n"):format(meet(dir, "b", 3)),
    })
    local states, err = loader.load { cwd = dir }
    assert.is_nil(err)
    assert.are.same({ "a/a1.yaml.gotmpl", "a/a2.yaml.gotmpl", "a/helmfile.yaml", "b.yaml.gotmpl",
      "helmfile.yaml" }, names(states))
  end)

  it("reports the first error in processing order, not the first to happen", function()
    local dir = new_dir()
    write(dir, {
      ["helmfile.yaml"] = "helmfiles:\n- s1.yaml.gotmpl\n- s2.yaml.gotmpl\n",
      ["s1.yaml.gotmpl"] = "releases:\n- name: " .. sleep_then("0.3", "late") .. "\n  chart: {{ .Values.nope }}\n",
      ["s2.yaml.gotmpl"] = "releases:\n- name: early\n  chart: {{ .Values.missing }}\n",
    })
    local states, err = loader.load { cwd = dir }
    assert.is_nil(states)
    assert.matches("^helmfile%.yaml → s1%.yaml%.gotmpl:%d+:%d+: error during s1%.yaml%.gotmpl%.part%.0 parsing: .*map has no entry for key \"nope\"$", err)
  end)

  it("writes the log lines of files loaded at once in processing order, none after an error", function()
    local dir = new_dir()
    write(dir, {
      ["helmfile.yaml"] = "helmfiles:\n- s1.yaml.gotmpl\n- s2.yaml.gotmpl\n- s3.yaml.gotmpl\n- s4.yaml.gotmpl\n",
      ["s1.yaml.gotmpl"] = "missingFileHandler: Warn\nhelmfiles:\n- " .. sleep_then("0.3", "none1") .. "/*.yaml\n",
      ["s2.yaml.gotmpl"] = "missingFileHandler: Warn\nhelmfiles:\n- none2/*.yaml\n",
      ["s3.yaml.gotmpl"] = "releases:\n- name: " .. sleep_then("0.2", "x") .. "\n  chart: {{ .Values.nope }}\n",
      ["s4.yaml.gotmpl"] = "missingFileHandler: Warn\nhelmfiles:\n- none4/*.yaml\n",
    })
    local lines, stop = T.capture_log("warn")
    local _, err = loader.load { cwd = dir, session = T.session() }
    stop()
    assert.matches("s3%.yaml%.gotmpl", err)
    assert.are.same({ "warning: no matches for path: none1/*.yaml\n", "warning: no matches for path: none2/*.yaml\n" },
      lines)
  end)

  it("loads nested sub-helmfiles with a concurrency of 1 (a parent waiting gives its slot back)", function()
    local dir = new_dir()
    write(dir, {
      ["helmfile.d/a.yaml"] = "helmfiles:\n- ../a/*.yaml.gotmpl\n",
      ["helmfile.d/b.yaml"] = "helmfiles:\n- ../b/*.yaml.gotmpl\n",
      ["a/1.yaml.gotmpl"] = "releases:\n- name: a1" .. sleep_then("0.05", "") .. "\n  chart: ./c\n",
      ["a/2.yaml.gotmpl"] = "releases:\n- name: a2\n  chart: ./c\n",
      ["b/1.yaml.gotmpl"] = "releases:\n- name: b1" .. sleep_then("0.05", "") .. "\n  chart: ./c\n",
      ["b/2.yaml.gotmpl"] = "releases:\n- name: b2\n  chart: ./c\n",
    })
    local states, err = loader.load { cwd = dir, session = require("hfl.session").new { concurrency = 1 } }
    assert.is_nil(err)
    assert.are.same({ "a/1.yaml.gotmpl", "a/2.yaml.gotmpl", "helmfile.d/a.yaml", "b/1.yaml.gotmpl",
      "b/2.yaml.gotmpl", "helmfile.d/b.yaml" }, names(states))
    assert.are.same({ "a1", "a2", "b1", "b2" }, release_names(states))
  end)

  it("keeps at most the session's concurrency of files rendering at once", function()
    local dir = new_dir()
    local subs = { "helmfiles:" }
    for i = 1, 5 do
      subs[#subs + 1] = ("- s%d.yaml.gotmpl"):format(i)
      -- each records how many were inside their exec when it entered
      write(dir, { [("s%d.yaml.gotmpl"):format(i)] = ('releases:\n- name: {{ exec "sh" (list "-c" "mkdir %s/met/%d; '
        .. 'ls %s/met | wc -l > %s/count%d; sleep 0.2; rmdir %s/met/%d; echo r%d") | trim }}\n  chart: ./c\n')
        :format(dir, i, dir, dir, i, dir, i, i) })
    end
    write(dir, { ["helmfile.yaml"] = table.concat(subs, "\n") .. "\n" })
    local states, err = loader.load { cwd = dir, session = require("hfl.session").new { concurrency = 2 } }
    assert.is_nil(err)
    assert.are.same({ "r1", "r2", "r3", "r4", "r5" }, release_names(states))
    local most = 0
    for i = 1, 5 do
      local f = assert(io.open(("%s/count%d"):format(dir, i)))
      most = math.max(most, tonumber(f:read("*a")))
      f:close()
    end
    assert.are.equal(2, most)
  end)
end)
