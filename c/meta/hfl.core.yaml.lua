---@meta
-- Editor stub for the C module hfl.core.yaml (c/l_yaml.c). Domain code uses hfl.yaml.

---@class hfl.core.yaml
local yaml = {}

---@param text string
---@param opts? {filename?: string, v2?: boolean, all?: boolean, order?: boolean}
---@return any value, string? err
function yaml.decode(text, opts) end

---@param value any
---@param opts? {sort?: boolean, indent?: integer}
---@return string? text, string? err
function yaml.encode(value, opts) end

---@param base any
---@param override any
---@param opts? {nulls?: "keep"|"set"|"delete", lists?: "elementwise"|"replace"}
---@return any merged
function yaml.merge(base, override, opts) end

---@class hfl.core.yaml.Tree
local Tree = {}
---@return hfl.core.yaml.Tree
function Tree:merge(other, opts) end
---@return string? text, string? err
function Tree:encode(opts) end
---@return any
function Tree:value() end
---@return boolean? ok, string? err
function Tree:write(path, opts) end

---@return hfl.core.yaml.Tree? tree, string? err
function yaml.parse(text, opts) end
---@return hfl.core.yaml.Tree? tree, string? err
function yaml.tree(value) end
---@return number? events, string? err
function yaml.scan(text) end
---@return string? kind, string? hook_or_err
function yaml.head(text) end
---@return string
function yaml.format_float(n) end

---@type {null: userdata, map: table, list: table, float: table, int: table, order: table}
yaml.types = {}

return yaml
