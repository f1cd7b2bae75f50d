-- The layering rules of STYLE.md, checked over the source: domain code reaches the C modules
-- only through their thin Lua wrappers, and declares no C functions through the FFI. #unit

-- The thin wrappers: the only Lua files that may require hfl.core or hfl.core.<mod>.
local WRAPPERS = {
  ["lua/hfl/yaml.lua"] = true,
  ["lua/hfl/yaml_types.lua"] = true, -- the value model's metatables, for hfl.value (no cycle with hfl.yaml)
  ["lua/hfl/proc.lua"] = true,
  ["lua/hfl/http.lua"] = true,
  ["lua/hfl/fs.lua"] = true,
  ["lua/hfl/archive.lua"] = true,
  ["lua/hfl/crypto.lua"] = true,
  ["lua/hfl/regex.lua"] = true,
  ["lua/hfl/git.lua"] = true,
  ["lua/hfl/time.lua"] = true,
  ["lua/hfl/memcap.lua"] = true,
  ["lua/hfl/lineedit.lua"] = true, -- hfl.core.edit (optional: built with libedit)
  ["lua/hfl/build.lua"] = true, -- the git commit the Makefile embeds in hfl.core
}

-- Command files (lua/hfl/cmd/) that may still require hfl.core while cmd/ moves onto the State
-- API and hfl.fs: empty since that rewrite landed. Keep it empty; an entry here is a debt.
local CMD_PENDING = {}

-- Files that may declare C functions through the FFI (ffi.cdef). STYLE.md allows the FFI for
-- hot, callback-free calls only; nothing in hfl needs it today — libc comes through hfl.core.
local FFI_ALLOWED = {}

local function lua_files()
  local p = assert(io.popen("find lua/hfl stdlib -name '*.lua' | sort"))
  local out = {}
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- The code of a Lua file without its comments (long ones, then line ones), line numbers kept.
local function code_of(text)
  text = text:gsub("%-%-%[(=*)%[.-%]%1%]", function(c) return (c:gsub("[^\n]", "")) end)
  return (text:gsub("%-%-[^\n]*", ""))
end

-- Line numbers (and the text) where `code` requires a hfl.core module, in any require form:
-- require "hfl.core", require("hfl.core").fs, require 'hfl.core.crypto', require [[hfl.core]].
local function core_requires(code)
  local hits, n = {}, 0
  for line in (code .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if line:find("require%s*%(?%s*[\"']hfl%.core[%.\"']") or line:find("require%s*%(?%s*%[=*%[hfl%.core[%.%]]")
      or line:find("package%.loaded%s*%[%s*[\"']hfl%.core") then
      hits[#hits + 1] = n .. ": " .. line:gsub("^%s+", "")
    end
  end
  return hits
end

describe("layering #unit", function()
  it("finds the files it checks", function()
    local files = lua_files()
    assert.is_true(#files > 50)
    for path in pairs(WRAPPERS) do assert.truthy(io.open(path), path .. " is listed as a wrapper but missing") end
  end)

  it("recognises every require form of hfl.core and ignores comments", function()
    local code = code_of([===[
local a = require("hfl.core").fs
local b = require "hfl.core.crypto"
local c = require 'hfl.core'
local d = require [[hfl.core.yaml]]
-- require("hfl.core") in a comment
--[==[ require "hfl.core.fs" in a long comment ]==]
local e = require "hfl.corex"
local f = require "hfl.fs"
]===])
    assert.same({ 1, 2, 3, 4 }, (function()
      local lines = {}
      for i, h in ipairs(core_requires(code)) do lines[i] = tonumber(h:match("^%d+")) end
      return lines
    end)())
  end)

  it("lets only the thin wrappers require hfl.core (domain code uses hfl.fs, hfl.yaml, …)", function()
    local bad = {}
    for _, path in ipairs(lua_files()) do
      if not WRAPPERS[path] and not CMD_PENDING[path] then
        for _, hit in ipairs(core_requires(code_of(read(path)))) do bad[#bad + 1] = path .. ":" .. hit end
      end
    end
    assert.same({}, bad)
  end)

  it("declares no C functions through the FFI outside its short allow-list", function()
    local bad = {}
    for _, path in ipairs(lua_files()) do
      if not FFI_ALLOWED[path] then
        local code, n = code_of(read(path)), 0
        for line in (code .. "\n"):gmatch("([^\n]*)\n") do
          n = n + 1
          if line:find("ffi%.cdef") or line:find("%.cdef%s*[%(\"'%[]") then bad[#bad + 1] = path .. ":" .. n end
        end
      end
    end
    assert.same({}, bad)
  end)
end)
