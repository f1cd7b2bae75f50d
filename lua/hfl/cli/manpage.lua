--- hfl(1) in roff (man macros), generated from the command tables (hfl.cli.commands and each
--- command's flag set) and the global flags, so the man page lists what the parser accepts.
--- `make` writes it to build/hfl.1; `make install` puts it under share/man/man1.
local commands = require "hfl.cli.commands"
local global = require "hfl.cli.global"

local M = {}

-- A UTF-8 character as groff's \[uXXXX] (troff reads bytes, not UTF-8, unless preconv ran).
local function unicode(c)
  local b1, b2, b3, b4 = c:byte(1, -1)
  local cp
  if #c == 2 then cp = (b1 % 32) * 64 + b2 % 64
  elseif #c == 3 then cp = (b1 % 16) * 4096 + (b2 % 64) * 64 + b3 % 64
  else cp = (b1 % 8) * 262144 + (b2 % 64) * 4096 + (b3 % 64) * 64 + b4 % 64 end
  return ("\\[u%04X]"):format(cp)
end

-- Text made safe for roff: backslashes, leading dots and quotes, dashes as minus signs,
-- non-ASCII characters as escapes.
local function esc(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-"):gsub("[\194-\244][\128-\191]+", unicode)
  s = s:gsub("\n([.'])", "\n\\&%1")
  if s:match("^[.']") then s = "\\&" .. s end
  return s
end

local function flag_label(f)
  local label = (f.short and ("\\fB\\-" .. f.short .. "\\fR, ") or "") .. "\\fB\\-\\-" .. esc(f.long) .. "\\fR"
  if f.arg then label = label .. " \\fI" .. esc(f.arg) .. "\\fR" end
  return label
end

local function flag_desc(f)
  local d = f.desc
  if f.kind == "list" and not d:find("repeat", 1, true) then d = d .. " (repeatable)" end
  if f.kind == "string" and f.default then d = ('%s (default "%s")'):format(d, f.default) end
  if f.env then d = ("%s (environment: %s)"):format(d, f.env) end
  return esc(d)
end

local function flags(out, set)
  for _, f in ipairs(set.flags) do
    out[#out + 1] = ".TP"
    out[#out + 1] = flag_label(f)
    out[#out + 1] = flag_desc(f)
  end
end

-- A description paragraph: blank lines start new paragraphs.
local function paragraphs(out, text)
  for para in (text .. "\n\n"):gmatch("(.-)\n%s*\n") do
    if para:match("%S") then
      out[#out + 1] = ".PP"
      out[#out + 1] = esc(para)
    end
  end
end

--- The man page.
---@param version string  hfl's version, shown in the page's footer
---@return string roff
function M.render(version)
  local out = {
    '.TH HFL 1 "" "hfl ' .. esc(version) .. '" "User Commands"',
    ".SH NAME",
    "hfl \\- a Lua\\-scriptable, Helmfile\\-compatible deployment toolkit",
    ".SH SYNOPSIS",
    ".B hfl",
    "[\\fIGLOBAL FLAGS\\fR] \\fICOMMAND\\fR [\\fIFLAGS\\fR] [\\fIARGS\\fR]",
    ".SH DESCRIPTION",
    "hfl reads helmfile.yaml, helmfile.yaml.gotmpl, helmfile.d/ and helmfile.lua files and "
      .. "deploys their Helm releases, as Helmfile does; it is also a Lua library "
      .. "(\\fBrequire \"hfl\"\\fR) and runs Lua workflows (\\fBhfl run\\fR).",
    ".SH GLOBAL FLAGS",
    "Global flags may be given before or after the command (for \\fBhfl run\\fR: before SCRIPT; "
      .. "everything after SCRIPT is the script's).",
  }
  flags(out, global.flags())
  out[#out + 1] = ".SH COMMANDS"
  for _, name in ipairs(commands.names) do
    local mod, set = commands.module(name), commands.flags(name)
    out[#out + 1] = ".SS " .. esc("hfl " .. name .. (set.usage_args ~= "" and " " .. set.usage_args or ""))
    out[#out + 1] = esc(commands.summary(name))
    if mod.description then paragraphs(out, mod.description) end
    if #set.flags > 0 then
      out[#out + 1] = ".PP"
      out[#out + 1] = "Flags:"
      out[#out + 1] = ".RS"
      flags(out, set)
      out[#out + 1] = ".RE"
    end
  end
  local aliases = {}
  for a, target in pairs(commands.aliases) do aliases[#aliases + 1] = a .. " = " .. target end
  table.sort(aliases)
  if #aliases > 0 then
    out[#out + 1] = ".PP"
    out[#out + 1] = esc("Other names: " .. table.concat(aliases, ", ") .. ".")
  end
  out[#out + 1] = ".SH EXIT STATUS"
  out[#out + 1] = "0 on success; what a command returns (e.g. 3 when no release matched); 1 for an error "
    .. "(one line on stderr) or a usage error; 70 for a bug in hfl; 130/143 after SIGINT/SIGTERM."
  out[#out + 1] = ".SH SEE ALSO"
  out[#out + 1] = "\\fBhelm\\fR(1), \\fBluajit\\fR(1); the README of hfl."
  return table.concat(out, "\n") .. "\n"
end

return M
