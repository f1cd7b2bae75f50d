---@meta
-- Editor stub for the C module hfl.core.http (c/l_http.c, c/http.c over libcurl's multi
-- interface on the hfl.proc loop). Domain code uses hfl.http.

---@class hfl.core.http
local http = {}

---@class hfl.core.http.Xfer
local Xfer = {}

--- Starts a transfer; it runs while the proc loop turns.
---@param opts table { url =, method =, headers = { "Name: value" … }, body =, username =,
---  password =, bearer =, ca_file =, cert_file =, key_file =, user_agent =, insecure =,
---  follow =, pass_credentials =, timeout =, connect_timeout =, output =, etag =,
---  if_modified_since =, max_size = }
---@return hfl.core.http.Xfer|nil xfer, string? err
function http.start(opts) end

--- The transfers finished since the last call.
---@return hfl.core.http.Xfer[]
function http.collect() end

---@return integer
function http.running() end

--- Once done: { fail = "ok"|"connect"|"resolve"|"timeout"|"tls"|"tls_peer"|"tls_client"|
--- "partial"|"too_large"|"redirects"|"file"|"other", error =, status =, headers = raw lines,
--- body =, sha256 = hex (output written), size =, url = effective, unmet =, duration = }
---@return table|nil
function Xfer:result() end

---@return boolean
function Xfer:done() end

--- Aborts a running transfer (its temp file is removed).
function Xfer:cancel() end

return http
