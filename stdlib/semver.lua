local M = {}
M.funcs = {}
return M
