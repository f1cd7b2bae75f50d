--- hfl.redact: credentials out of anything a user or a log may read. A URL's userinfo
--- (`https://user:password@host/…`) is dropped wherever a URL or chart source enters a message,
--- a cache key shown to users or a file hfl writes.
--
--   redact.url("https://u:p@host/x")                  --> "https://host/x"
--   redact.text("GET https://u:p@host/x: HTTP 404")   --> "GET https://host/x: HTTP 404"
local M = {}

-- scheme "://" then userinfo up to "@"; userinfo never holds "/", "?", "#" or spaces, so a "@"
-- in a path or query is left alone.
local USERINFO = "(%a[%w+.-]*://)[^/?#%s@\"']*@"

--- The URL without credentials (user:password@).
---@param url string
---@return string
function M.url(url)
  if type(url) ~= "string" then error("hfl.redact.url: url must be a string", 2) end
  return (url:gsub("^" .. USERINFO, "%1"))
end

--- The text with the credentials of every URL in it removed (a message, a chart source such
--- as "git::https://u:p@host/repo.git@dir", a cache key).
---@param text string
---@return string
function M.text(text)
  if type(text) ~= "string" then error("hfl.redact.text: text must be a string", 2) end
  return (text:gsub(USERINFO, "%1"))
end

--- As M.text, and how many URLs lost their credentials.
---@param text string
---@return string text, integer count
function M.text_counted(text)
  if type(text) ~= "string" then error("hfl.redact.text_counted: text must be a string", 2) end
  return text:gsub(USERINFO, "%1")
end

return M
