--- The parser of Go's text/template: tokens → parse trees, with Go's parse errors.
--
-- `parser.parse(text, name, has_func, trees)` parses one text named `name` and stores
-- `trees[name]` and one tree per `define`/`block`; a tree is
-- `{ name=, parse_name=, text=, root=list }`. Errors are returned as
-- "template: NAME:LINE: message" strings.
local lexer = require "hfl.tmpl.lexer"
local fmt = require "hfl.tmpl.fmt"
local nodes = require "hfl.tmpl.nodes"

local M = {}

local sfmt, ssub = string.format, string.sub
local perr, number_node, tok_string, node_string = nodes.perr, nodes.number_node, nodes.tok_string, nodes.node_string
M.node_string, M.unquote = node_string, nodes.unquote

local Parser = {}
Parser.__index = Parser

function Parser:next()
  local i = self.i
  self.i = i + 1
  if i > self.far then self.far = i end
  return self.toks[i]
end
function Parser:backup(k) self.i = self.i - (k or 1) end
function Parser:peek()
  local tok = self:next()
  self:backup()
  return tok
end
function Parser:next_non_space()
  local tok = self:next()
  while tok[1] == "space" do tok = self:next() end
  return tok
end
function Parser:peek_non_space()
  local i = self.i
  local tok = self:next_non_space()
  self.i = i
  return tok
end

function Parser:errorf(msg)
  local tok = self.toks[self.far] or self.toks[#self.toks]
  perr(sfmt("template: %s:%d: %s", self.parse_name, tok[4], msg))
end

function Parser:unexpected(tok, context)
  if tok[1] == "error" then
    local extra = ""
    if self.action_line and self.action_line ~= tok[4] then
      extra = sfmt(" in action started at %s:%d", self.parse_name, self.action_line)
      if tok[2]:sub(-7) == " action" then extra = extra:sub(#" in action" + 1) end
    end
    self:errorf(tok_string(tok) .. extra)
  end
  self:errorf(sfmt("unexpected %s in %s", tok_string(tok), context))
end

function Parser:expect(typ, context)
  local tok = self:next_non_space()
  if tok[1] ~= typ then self:unexpected(tok, context) end
  return tok
end

function Parser:pop_vars(n)
  for i = #self.vars, n + 1, -1 do self.vars[i] = nil end
end

function Parser:add_tree(name, root)
  local trees = self.trees
  local old = trees[name]
  if old and M.is_empty(root) and old.root then return end
  if self.added[name] and old and not M.is_empty(old.root) and not M.is_empty(root) then
    self:errorf(sfmt("template: multiple definition of template %s", fmt.quote(name)))
  end
  self.added[name] = true
  trees[name] = { name = name, parse_name = self.parse_name, text = self.text, root = root }
end

function Parser:parse_top()
  local root = { t = "list", nodes = {}, pos = 0 }
  while self:peek()[1] ~= "eof" do
    if self:peek()[1] == "ldelim" then
      local save = self.i
      self:next()
      if self:next_non_space()[1] == "define" then
        self:parse_definition()
        goto continue
      end
      self.i = save
    end
    do
      local n = self:text_or_action()
      if n.t == "end" or n.t == "else" then
        self:errorf("unexpected " .. (n.t == "end" and "{{end}}" or "{{else}}"))
      end
      root.nodes[#root.nodes + 1] = n
    end
    ::continue::
  end
  if self:peek()[1] == "eof" then self:next() end
  return root
end

function Parser:template_name(tok, context)
  if tok[1] == "string" or tok[1] == "rawstring" then
    local s = M.unquote(tok[2])
    if not s then self:errorf("invalid syntax") end
    return s
  end
  self:unexpected(tok, context)
end

function Parser:parse_definition()
  local context = "define clause"
  local tok = self:next_non_space()
  if tok[1] ~= "string" and tok[1] ~= "rawstring" then self:unexpected(tok, context) end
  local name = self:template_name(tok, context)
  self:expect("rdelim", context)
  local saved_vars = self.vars
  self.vars = { "$" }
  local list, stop = self:item_list()
  if stop.t ~= "end" then self:errorf("unexpected {{else}} in " .. context) end
  self.vars = saved_vars
  self:add_tree(name, list)
end

function Parser:item_list()
  local list = { t = "list", nodes = {}, pos = self:peek_non_space()[3] }
  while self:peek_non_space()[1] ~= "eof" do
    local n = self:text_or_action()
    if n.t == "end" or n.t == "else" then return list, n end
    list.nodes[#list.nodes + 1] = n
  end
  local tok = self:peek_non_space()
  if tok[1] == "error" then self:next_non_space() self:unexpected(tok, "input") end
  self:errorf("unexpected EOF")
end

function Parser:text_or_action()
  local tok = self:next_non_space()
  if tok[1] == "text" then
    return { t = "text", pos = tok[3], text = tok[2] }
  elseif tok[1] == "ldelim" then
    local saved = self.action_line
    self.action_line = tok[4]
    local n = self:action()
    self.action_line = saved
    return n
  end
  self:unexpected(tok, "input")
end

function Parser:action()
  local tok = self:next_non_space()
  local typ = tok[1]
  if typ == "block" then return self:block_control()
  elseif typ == "break" or typ == "continue" then
    local t2 = self:next_non_space()
    if t2[1] ~= "rdelim" then self:unexpected(t2, "{{" .. typ .. "}}") end
    if self.range_depth == 0 then self:errorf("{{" .. typ .. "}} outside {{range}}") end
    return { t = typ, pos = tok[3], line = tok[4] }
  elseif typ == "else" then
    local peek = self:peek_non_space()
    if peek[1] == "if" or (peek[1] == "with" and self.allow_else_with) then
      return { t = "else", pos = peek[3], line = peek[4], chained = peek[1] }
    end
    local t2 = self:expect("rdelim", "else")
    return { t = "else", pos = t2[3], line = t2[4] }
  elseif typ == "end" then
    local t2 = self:expect("rdelim", "end")
    return { t = "end", pos = t2[3] }
  elseif typ == "if" or typ == "range" or typ == "with" then
    return self:control(typ)
  elseif typ == "template" then
    local context = "template clause"
    local ntok = self:next_non_space()
    local name = self:template_name(ntok, context)
    local pipe
    if self:next_non_space()[1] ~= "rdelim" then
      self:backup()
      pipe = self:pipeline(context, "rdelim")
    end
    return { t = "template", pos = ntok[3], line = ntok[4], name = name, pipe = pipe }
  end
  self:backup()
  local p = self:peek()
  return { t = "action", pos = p[3], line = p[4], pipe = self:pipeline("command", "rdelim") }
end

function Parser:block_control()
  local context = "block clause"
  local ntok = self:next_non_space()
  local name = self:template_name(ntok, context)
  local pipe = self:pipeline(context, "rdelim")
  local saved_vars, saved_depth = self.vars, self.range_depth
  self.vars, self.range_depth = { "$" }, 0
  local list, stop = self:item_list()
  if stop.t ~= "end" then self:errorf("unexpected {{else}} in " .. context) end
  self.vars, self.range_depth = saved_vars, saved_depth
  self:add_tree(name, list)
  return { t = "template", pos = ntok[3], line = ntok[4], name = name, pipe = pipe }
end

-- Nesting of control structures and parentheses is bounded so that hostile input cannot
-- exhaust the Lua stack (Go's limit is its goroutine stack).
M.max_nesting = 1000

function Parser:enter()
  self.depth = self.depth + 1
  if self.depth > M.max_nesting then
    self:errorf(sfmt("template nesting exceeds %d levels", M.max_nesting))
  end
end

function Parser:control(kind)
  self:enter()
  local nvars = #self.vars
  local pipe = self:pipeline(kind, "rdelim")
  if kind == "range" then self.range_depth = self.range_depth + 1 end
  local list, stop = self:item_list()
  if kind == "range" then self.range_depth = self.range_depth - 1 end
  local else_list
  if stop.t == "else" then
    if stop.chained == "if" and kind == "if" or stop.chained == "with" and kind == "with" then
      self:next_non_space() -- the if/with keyword
      else_list = { t = "list", pos = stop.pos, nodes = { self:control(stop.chained) } }
    else
      -- a plain else; "else if" inside range/with leaves the if to fail as Go's does
      local stop2
      else_list, stop2 = self:item_list()
      if stop2.t ~= "end" then self:errorf("expected end; found {{else}}") end
    end
  end
  self:pop_vars(nvars)
  self.depth = self.depth - 1
  return { t = kind, pos = pipe.pos, line = pipe.line, pipe = pipe, list = list, else_list = else_list }
end

local operand_start = { bool = true, char = true, dot = true, field = true, identifier = true,
  number = true, ["nil"] = true, rawstring = true, string = true, variable = true, lparen = true }

function Parser:pipeline(context, stop)
  local first = self:peek_non_space()
  local pipe = { t = "pipe", pos = first[3], line = first[4], decl = {}, cmds = {} }
  ::decls::
  local v = self:peek_non_space()
  if v[1] == "variable" then
    local save = self.i
    self:next_non_space()
    local nxt = self:peek_non_space()
    if nxt[1] == "assign" or nxt[1] == "declare" then
      pipe.is_assign = nxt[1] == "assign"
      self:next_non_space()
      pipe.decl[#pipe.decl + 1] = { t = "variable", pos = v[3], ident = { v[2] } }
      self.vars[#self.vars + 1] = v[2]
    elseif nxt[1] == "punct" and nxt[2] == "," then
      self:next_non_space()
      pipe.decl[#pipe.decl + 1] = { t = "variable", pos = v[3], ident = { v[2] } }
      self.vars[#self.vars + 1] = v[2]
      if context == "range" and #pipe.decl < 2 then
        local pk = self:peek_non_space()[1]
        if pk == "variable" or pk == "rdelim" or pk == "rparen" then goto decls end
        self:errorf("range can only initialize variables")
      end
      self:errorf("too many declarations in " .. context)
    else
      self.i = save
    end
  end
  while true do
    local tok = self:next_non_space()
    if tok[1] == stop then
      if #pipe.cmds == 0 then self:errorf("missing value for " .. context) end
      for i = 2, #pipe.cmds do
        local a = pipe.cmds[i].args[1].t
        if a == "bool" or a == "dot" or a == "nil" or a == "number" or a == "string" then
          self:errorf(sfmt("non executable command in pipeline stage %d", i))
        end
      end
      return pipe
    elseif operand_start[tok[1]] then
      self:backup()
      pipe.cmds[#pipe.cmds + 1] = self:command()
    else
      self:unexpected(tok, context)
    end
  end
end

function Parser:command()
  local cmd = { t = "command", pos = self:peek_non_space()[3], args = {} }
  while true do
    self:peek_non_space()
    local op = self:operand()
    if op then cmd.args[#cmd.args + 1] = op end
    local tok = self:next()
    local typ = tok[1]
    if typ == "space" then
      -- continue
    elseif typ == "rdelim" or typ == "rparen" then
      self:backup()
      break
    elseif typ == "pipe" then
      break
    else
      self:unexpected(tok, "operand")
    end
  end
  if #cmd.args == 0 then self:errorf("empty command") end
  return cmd
end

function Parser:operand()
  local node = self:term()
  if not node then return nil end
  if self:peek()[1] == "field" then
    local fields = {}
    local chain_pos = self:peek()[3]
    while self:peek()[1] == "field" do
      fields[#fields + 1] = ssub(self:next()[2], 2)
    end
    local t = node.t
    if t == "field" then
      for _, f in ipairs(fields) do node.ident[#node.ident + 1] = f end
      node.pos = chain_pos
    elseif t == "variable" then
      for _, f in ipairs(fields) do node.ident[#node.ident + 1] = f end
      node.pos = chain_pos
    elseif t == "bool" or t == "string" or t == "number" or t == "nil" or t == "dot" then
      self:errorf(sfmt("unexpected . after term %s", fmt.quote(node_string(node))))
    else
      node = { t = "chain", pos = chain_pos, node = node, field = fields }
    end
  end
  return node
end

function Parser:use_var(pos, name)
  local base = name:match("^(%$[^.]*)")
  for i = #self.vars, 1, -1 do
    if self.vars[i] == base then return end
  end
  self:errorf(sfmt("undefined variable %s", fmt.quote(base)))
end

function Parser:term()
  local tok = self:next_non_space()
  local typ = tok[1]
  if typ == "identifier" then
    if not self.has_func(tok[2]) then
      self:errorf(sfmt("function %s not defined", fmt.quote(tok[2])))
    end
    return { t = "identifier", pos = tok[3], name = tok[2] }
  elseif typ == "dot" then
    return { t = "dot", pos = tok[3] }
  elseif typ == "nil" then
    return { t = "nil", pos = tok[3] }
  elseif typ == "variable" then
    self:use_var(tok[3], tok[2])
    local ident = {}
    for part in (tok[2] .. "."):gmatch("([^.]*)%.") do ident[#ident + 1] = part end
    return { t = "variable", pos = tok[3], ident = ident }
  elseif typ == "field" then
    return { t = "field", pos = tok[3], ident = { ssub(tok[2], 2) } }
  elseif typ == "bool" then
    return { t = "bool", pos = tok[3], val = tok[2] == "true" }
  elseif typ == "char" or typ == "number" then
    local ok, node = pcall(number_node, tok)
    if not ok then
      self:errorf(node.tmpl_parse or tostring(node))
    end
    return node
  elseif typ == "lparen" then
    self:enter()
    local pipe = self:pipeline("parenthesized pipeline", "rparen")
    self.depth = self.depth - 1
    return pipe
  elseif typ == "string" or typ == "rawstring" then
    local s = M.unquote(tok[2])
    if not s then self:errorf("invalid syntax") end
    return { t = "string", pos = tok[3], quoted = tok[2], text = s }
  end
  self:backup()
  return nil
end

--- Whether a list holds nothing but whitespace text (Go's parse.IsEmptyTree).
function M.is_empty(list)
  for _, n in ipairs(list.nodes) do
    if n.t ~= "text" or n.text:find("%S") then return false end
  end
  return true
end

--- Parses text; adds its trees to `trees`.
---@param text string
---@param name string
---@param has_func fun(name: string): boolean
---@param trees table<string, table>
---@param opts table|nil { allow_else_with = bool }
---@return boolean|nil ok, string|nil err
function M.parse(text, name, has_func, trees, opts)
  local toks = lexer.lex(text)
  local p = setmetatable({
    toks = toks, i = 1, far = 1, parse_name = name, text = text, has_func = has_func,
    trees = trees, vars = { "$" }, range_depth = 0, added = {}, depth = 0,
    allow_else_with = not (opts and opts.allow_else_with == false),
  }, Parser)
  local ok, err = pcall(function()
    local root = p:parse_top()
    p:add_tree(name, root)
  end)
  if ok then return true end
  if type(err) == "table" and err.tmpl_parse then return nil, err.tmpl_parse end
  error(err, 0)
end

return M
