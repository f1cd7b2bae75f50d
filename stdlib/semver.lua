--- Sprig's semver and semverCompare over hfl.semver, under the prerelease rule of the
--- Masterminds release Sprig is built with ("sprig").
local util = require("hfl.stdlib.util")
local semver = require("hfl.semver")

local M = {}

local str = util.str

util.types[semver.Version] = { go_type = "*semver.Version", go_kind = "ptr", string = tostring, json = tostring }

local SPRIG = { prerelease = "sprig" }

M.funcs = {
  semver = function(s)
    local v, err = semver.parse(str(s))
    if not v then error(err, 0) end
    return v
  end,
  semverCompare = function(constraint, version)
    local cs, err = semver.constraint(str(constraint), SPRIG)
    if not cs then error(err, 0) end
    local v, verr = semver.parse(str(version))
    if not v then error(verr, 0) end
    return cs:check(v)
  end,
}

return M
