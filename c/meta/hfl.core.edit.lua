---@meta
-- Editor stub for the optional C module hfl.core.edit (c/l_edit.c; built with libedit). Domain
-- code uses hfl.lineedit.

---@class hfl.core.edit
local edit = {}

---@class hfl.core.edit.Editor
local Editor = {}
--- Reads a line after prompt: the text, nil at end of input (Ctrl-D), false after Ctrl-C.
---@param prompt string
---@return string|false|nil
function Editor:read(prompt) end
--- Adds a line to the history.
---@param line string
function Editor:add(line) end
---@param path string
---@return boolean|nil ok, string? err
function Editor:load(path) end
--- Writes the history to path, created with mode 0600.
---@param path string
---@return boolean|nil ok, string? err
function Editor:save(path) end
--- Gives the terminal back (also done when the editor is collected).
function Editor:close() end

--- An editor on stdin/stdout. complete(before) gives the text to insert at the cursor and the
--- candidates to list below the line.
---@param complete? fun(before: string): string|nil, string[]|nil
---@return hfl.core.edit.Editor|nil editor, string? err
function edit.new(complete) end

return edit
