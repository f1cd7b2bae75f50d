--- The labels hfl puts on the release records it writes (`helm upgrade --labels`), and what it
--- reads back from them: the digest of what it deployed, the revision that digest was written
--- for, and the state that owns the release.
---
--- Helm copies a release's labels forward when anyone else upgrades it, so a digest alone would
--- lie after a plain `helm upgrade`; it counts only on the record of the revision it names.
local fs = require "hfl.fs"

local M = {}

M.DIGEST = "hfl.sh/digest"
M.REVISION = "hfl.sh/revision"
M.STATE = "hfl.sh/state"

-- Label values are at most 63 characters of [A-Za-z0-9._-].
local DIGEST_CHARS = 40
local STATE_CHARS = 20

--- The label value naming a state: its top-level file and environment, hashed.
---@param st table  State
---@return string
function M.state_id(st)
  local top = st.states[1]
  local path = top and ((top.chain and top.chain[1]) or top.path) or "?"
  return fs.sha256_hex(path .. "\0" .. (st.environment or "default")):sub(1, STATE_CHARS)
end

--- The labels an upgrade of a release writes: its digest, the revision the upgrade creates,
--- and the owning state.
---@param digest string   hfl.helm prep.digest
---@param revision integer  the revision this upgrade will create
---@param state_id string
---@return table<string, string>
function M.for_upgrade(digest, revision, state_id)
  return {
    [M.DIGEST] = digest:sub(1, DIGEST_CHARS),
    [M.REVISION] = tostring(revision),
    [M.STATE] = state_id,
  }
end

--- Whether a deployed record is exactly what `digest` describes: hfl wrote that digest for
--- this very revision, and the release is deployed.
---@param record table|nil  hfl.kube.records record
---@param digest string
---@return boolean
function M.unchanged(record, digest)
  if not record or record.status ~= "deployed" then return false end
  local l = record.labels or {}
  return l[M.DIGEST] == digest:sub(1, DIGEST_CHARS) and l[M.REVISION] == tostring(record.revision)
end

--- Whether hfl installed the record's release from the state `state_id`.
---@param record table
---@param state_id string
---@return boolean
function M.owned_by(record, state_id)
  return (record.labels or {})[M.STATE] == state_id
end

return M
