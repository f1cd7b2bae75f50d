--- Flag sets: the flags a command (or the whole CLI) accepts, as declared in `add_to_parser`.
local M = {}

---@alias hfl.cli.FlagKind "bool"|"string"|"int"|"list"

---@class hfl.cli.Flag
---@field long string        name without the dashes, e.g. "state-values-set"
---@field short string|nil   one letter, e.g. "e"
---@field kind hfl.cli.FlagKind  "list" is a repeatable string
---@field key string         key in the options table: long with "-" → "_"
---@field desc string        one-line description for --help
---@field arg string|nil     value placeholder for --help, e.g. "FILE"
---@field default any
---@field choices string[]|nil  allowed values
---@field env string|nil     environment variable read when the flag is absent
---@field implicit string|nil  the value of a bare `--flag` (pflag's NoOptDefVal); then a value
---                            is given only as `--flag=value`

---@class hfl.cli.FlagSet
---@field flags hfl.cli.Flag[]  in declaration order (the order --help lists them)
---@field by_long table<string, hfl.cli.Flag>
---@field by_short table<string, hfl.cli.Flag>
---@field usage_args string     positional arguments for --help, e.g. "[NAME]"
---@field max_args integer|nil  how many positional arguments (nil: any number; default 0)
---@field arg_choices string[]|nil  the words the first positional must be (subcommands)
---@field rest_verbatim boolean|nil  everything after the first positional is a positional too
---                                 (`hfl run SCRIPT ARGS…`: the script's flags are its own)
local FlagSet = {}
FlagSet.__index = FlagSet

--- An empty flag set; commands fill theirs in `add_to_parser`.
---@param name string|nil  the command's name ("diff"), nil for the global set
---@return hfl.cli.FlagSet
function M.new(name)
  return setmetatable({ name = name, flags = {}, by_long = {}, by_short = {},
                        usage_args = "", max_args = 0 }, FlagSet)
end

local DEFAULT_ARG = { string = "STRING", int = "N", list = "STRING" }

--- Declares a flag. Raises on a duplicate name (a bug in a command module).
---@param spec table  fields of hfl.cli.Flag; `key` and `arg` are derived when absent
---@return hfl.cli.Flag
function FlagSet:add(spec)
  assert(spec.long and spec.kind and spec.desc, "flag needs long, kind and desc")
  if self.by_long[spec.long] then error("flag --" .. spec.long .. " declared twice", 2) end
  if spec.short and self.by_short[spec.short] then
    error("flag -" .. spec.short .. " declared twice", 2)
  end
  spec.key = spec.key or spec.long:gsub("-", "_")
  if spec.kind ~= "bool" then spec.arg = spec.arg or DEFAULT_ARG[spec.kind] end
  self.flags[#self.flags + 1] = spec
  self.by_long[spec.long] = spec
  if spec.short then self.by_short[spec.short] = spec end
  return spec
end

local function _adder(kind)
  return function(self, long, desc, extra)
    local spec = { long = long, kind = kind, desc = desc }
    for k, v in pairs(extra or {}) do spec[k] = v end
    return self:add(spec)
  end
end

--- `set:bool(long, desc [, {short=, default=, env=}])` — a switch; `--x=false` turns it off.
FlagSet.bool = _adder("bool")
--- `set:string(long, desc [, {short=, arg=, default=, choices=, env=}])`
FlagSet.string = _adder("string")
--- `set:int(long, desc [, {short=, arg=, default=, env=}])`
FlagSet.int = _adder("int")
--- `set:list(long, desc [, {short=, arg=}])` — repeatable; values kept verbatim, in order.
FlagSet.list = _adder("list")

--- Declares the positional arguments: usage text (e.g. "[NAME]"), how many are allowed (nil:
--- any number) and, for commands with subcommands, the words the first one must be.
---@param usage string
---@param max integer|nil
---@param choices string[]|nil
function FlagSet:positional(usage, max, choices, rest_verbatim)
  self.usage_args, self.max_args, self.arg_choices, self.rest_verbatim = usage, max, choices, rest_verbatim
end

--- The flag named by `name` ("environment" or "e"), or nil.
---@param name string
---@param short boolean
---@return hfl.cli.Flag|nil
function FlagSet:lookup(name, short)
  if short then return self.by_short[name] end
  return self.by_long[name]
end

--- Table of defaults for every flag of the set (lists start empty).
---@return table
function FlagSet:defaults()
  local t = {}
  for _, f in ipairs(self.flags) do
    if f.kind == "list" then t[f.key] = {} else t[f.key] = f.default end
  end
  return t
end

M.FlagSet = FlagSet
return M
