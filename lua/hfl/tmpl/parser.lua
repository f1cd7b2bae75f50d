--- The parser of Go's text/template: tokens → parse trees, with Go's parse errors.
--
-- `parser.parse(text, name, has_func, trees)` parses one text named `name` and stores
-- `trees[name]` and one tree per `define`/`block`; a tree is
-- `{ name=, parse_name=, text=, root=list }`. Errors are returned as
-- "template: NAME:LINE: message" strings.
--
-- One parse is a set of closures over the token arrays of hfl.tmpl.lexer and a cursor (charts
-- hold megabytes of templates: upvalues and token indices cost less than a parser object and
-- a table per token). A token is its index k in those arrays. Nodes carry Go's byte position
-- (`pos`); lines are counted only for error messages.
local lexer = require "hfl.tmpl.lexer"
local fmt = require "hfl.tmpl.fmt"
local nodes = require "hfl.tmpl.nodes"

local M = {}

local sfmt, ssub, sfind, sbyte = string.format, string.sub, string.find, string.byte
local perr, number_node, tok_string, node_string = nodes.perr, nodes.number_node, nodes.tok_string, nodes.node_string
local unquote = nodes.unquote
M.node_string, M.unquote = node_string, unquote

-- Nesting of control structures and parentheses is bounded so that hostile input cannot
-- exhaust the Lua stack (Go's limit is its goroutine stack).
M.max_nesting = 1000

--- Whether a list holds nothing but whitespace text (Go's parse.IsEmptyTree).
function M.is_empty(list)
  for _, n in ipairs(list.nodes) do
    if n.t ~= "text" or sfind(n.text, "%S") then return false end
  end
  return true
end
local is_empty = M.is_empty

local operand_start = { bool = true, char = true, dot = true, field = true, identifier = true,
  number = true, ["nil"] = true, rawstring = true, string = true, variable = true, lparen = true }
local non_executable = { bool = true, dot = true, ["nil"] = true, number = true, string = true }

-- Parses the tokens of text; stores its trees in `trees` (raises { tmpl_parse = message }).
local function parse_tokens(text, toks, name, has_func, trees, allow_else_with)
  local T, S, E = toks.typ, toks.s, toks.e
  -- the next token; the furthest token read (Go reports the line of the last token lexed)
  local i, far = 1, 1
  -- the position of the action being parsed (its left delimiter)
  local vars, range_depth, depth, action_pos = { "$" }, 0, 0, nil
  local added = {}

  local function next_tok()
    local k = i
    i = k + 1
    if k > far then far = k end
    return k
  end
  local function peek()
    if i > far then far = i end
    return i
  end
  -- Whether a space separates token k from the one before (inside an action).
  local function spaced(k) return S[k] ~= E[k - 1] + 1 end
  -- Where Go's lexer starts the space token before token k (nil: none): the space before a
  -- trim marker belongs to the right delimiter.
  local function space_start(k)
    local gap = E[k - 1] + 1
    if S[k] == gap or (T[k] == "rdelim" and S[k] - 2 == gap and sbyte(text, S[k] - 1) == 45) then
      return nil
    end
    return gap
  end
  local function val(k)
    local typ = T[k]
    if typ == "error" then return toks.err end
    return ssub(text, S[k], E[k])
  end
  local function tok(k) return { T[k], val(k), S[k] - 1 } end

  -- Raises Go's parse error at the line of the furthest token read (or of the byte at `at`).
  local function errorf(msg, at)
    local k = T[far] and far or toks.n
    perr(sfmt("template: %s:%d: %s", name, lexer.line_at(text, at or S[k]), msg))
  end
  local function unexpected(k, context)
    if T[k] == "error" then
      local extra = ""
      local action_line = action_pos and lexer.line_at(text, action_pos)
      if action_line and action_line ~= lexer.line_at(text, S[k]) then
        extra = sfmt(" in action started at %s:%d", name, action_line)
        if ssub(toks.err, -7) == " action" then extra = ssub(extra, #" in action" + 1) end
      end
      errorf(tok_string(tok(k)) .. extra)
    end
    errorf(sfmt("unexpected %s in %s", tok_string(tok(k)), context))
  end
  local function expect(typ, context)
    local k = next_tok()
    if T[k] ~= typ then unexpected(k, context) end
    return k
  end
  local function enter()
    depth = depth + 1
    if depth > M.max_nesting then errorf(sfmt("template nesting exceeds %d levels", M.max_nesting)) end
  end

  local function add_tree(tname, root)
    local old = trees[tname]
    if old and is_empty(root) and old.root then return end
    if added[tname] and old and not is_empty(old.root) and not is_empty(root) then
      errorf(sfmt("template: multiple definition of template %s", fmt.quote(tname)))
    end
    added[tname] = true
    trees[tname] = { name = tname, parse_name = name, text = text, root = root }
  end

  local function template_name(k, context)
    local typ = T[k]
    if typ == "string" or typ == "rawstring" then
      local s = unquote(val(k))
      if not s then errorf("invalid syntax") end
      return s
    end
    unexpected(k, context)
  end

  local function use_var(vname)
    -- a variable token holds no '.': $x.y lexes as $x then .y
    for j = #vars, 1, -1 do
      if vars[j] == vname then return end
    end
    errorf(sfmt("undefined variable %s", fmt.quote(vname)))
  end

  local pipeline, item_list

  local function term()
    local k = next_tok()
    local typ = T[k]
    local pos = S[k] - 1
    if typ == "field" then
      return { t = "field", pos = pos, ident = { ssub(text, S[k] + 1, E[k]) } }
    elseif typ == "identifier" then
      local fname = val(k)
      if not has_func(fname) then errorf(sfmt("function %s not defined", fmt.quote(fname))) end
      return { t = "identifier", pos = pos, name = fname }
    elseif typ == "string" or typ == "rawstring" then
      local q = val(k)
      local s = unquote(q)
      if not s then errorf("invalid syntax") end
      return { t = "string", pos = pos, quoted = q, text = s }
    elseif typ == "variable" then
      local vname = val(k)
      use_var(vname)
      return { t = "variable", pos = pos, ident = { vname } }
    elseif typ == "dot" then
      return { t = "dot", pos = pos }
    elseif typ == "lparen" then
      enter()
      local pipe = pipeline("parenthesized pipeline", "rparen")
      depth = depth - 1
      return pipe
    elseif typ == "char" or typ == "number" then
      local ok, node = pcall(number_node, tok(k))
      if not ok then errorf(node.tmpl_parse or tostring(node)) end
      return node
    elseif typ == "bool" then
      return { t = "bool", pos = pos, val = val(k) == "true" }
    elseif typ == "nil" then
      return { t = "nil", pos = pos }
    end
    i = i - 1
    return nil
  end

  local function operand()
    local node = term()
    if not node then return nil end
    if T[peek()] ~= "field" or spaced(i) then return node end
    local fields = {}
    local chain_pos = S[i] - 1
    while T[peek()] == "field" and not spaced(i) do
      local k = next_tok()
      fields[#fields + 1] = ssub(text, S[k] + 1, E[k])
    end
    local t = node.t
    if t == "field" or t == "variable" then
      local ident = node.ident
      for _, f in ipairs(fields) do ident[#ident + 1] = f end
      node.pos = chain_pos
    elseif t == "bool" or t == "string" or t == "number" or t == "nil" or t == "dot" then
      -- the last token read is the one after the fields, a space if one follows
      errorf(sfmt("unexpected . after term %s", fmt.quote(node_string(node))), space_start(i))
    else
      node = { t = "chain", pos = chain_pos, node = node, field = fields }
    end
    return node
  end

  local function command()
    local args = {}
    local cmd = { t = "command", pos = S[peek()] - 1, args = args }
    -- the token whose leading space was read (Go reads a space as a token of its own)
    local space_read = nil
    while true do
      peek()
      local op = operand()
      if op then args[#args + 1] = op end
      local k = i
      if space_read ~= k and spaced(k) then
        space_read = k -- then the next operand
      else
        next_tok()
        local typ = T[k]
        if typ == "rdelim" or typ == "rparen" then
          i = i - 1
          break
        elseif typ == "pipe" then
          break
        else
          unexpected(k, "operand")
        end
      end
    end
    if #args == 0 then errorf("empty command") end
    return cmd
  end

  -- Declarations at the start of a pipeline ($x :=, $x =, and range's $i, $v :=).
  local function declarations(pipe, context)
    local decl = pipe.decl
    while true do
      local v = peek()
      if T[v] ~= "variable" then return end
      local save = i
      next_tok()
      local nxt = peek()
      local ntyp = T[nxt]
      if ntyp == "assign" or ntyp == "declare" then
        pipe.is_assign = ntyp == "assign"
        next_tok()
        local vname = val(v)
        decl[#decl + 1] = { t = "variable", pos = S[v] - 1, ident = { vname } }
        vars[#vars + 1] = vname
        return
      elseif ntyp == "punct" and val(nxt) == "," then
        next_tok()
        local vname = val(v)
        decl[#decl + 1] = { t = "variable", pos = S[v] - 1, ident = { vname } }
        vars[#vars + 1] = vname
        if context == "range" and #decl < 2 then
          local pk = T[peek()]
          if pk ~= "variable" and pk ~= "rdelim" and pk ~= "rparen" then
            errorf("range can only initialize variables")
          end
        else
          errorf("too many declarations in " .. context)
        end
      else
        i = save
        return
      end
    end
  end

  function pipeline(context, stop)
    local first = peek()
    local cmds = {}
    local pipe = { t = "pipe", pos = S[first] - 1, decl = {}, cmds = cmds }
    declarations(pipe, context)
    while true do
      local k = next_tok()
      local typ = T[k]
      if typ == stop then
        if #cmds == 0 then errorf("missing value for " .. context) end
        for j = 2, #cmds do
          if non_executable[cmds[j].args[1].t] then
            errorf(sfmt("non executable command in pipeline stage %d", j))
          end
        end
        return pipe
      elseif operand_start[typ] then
        i = i - 1
        cmds[#cmds + 1] = command()
      else
        unexpected(k, context)
      end
    end
  end

  local function control(kind)
    enter()
    local nvars = #vars
    local pipe = pipeline(kind, "rdelim")
    if kind == "range" then range_depth = range_depth + 1 end
    local list, stop = item_list()
    if kind == "range" then range_depth = range_depth - 1 end
    local else_list
    if stop.t == "else" then
      if stop.chained == "if" and kind == "if" or stop.chained == "with" and kind == "with" then
        next_tok() -- the if/with keyword
        else_list = { t = "list", pos = stop.pos, nodes = { control(stop.chained) } }
      else
        -- a plain else; "else if" inside range/with leaves the if to fail as Go's does
        local stop2
        else_list, stop2 = item_list()
        if stop2.t ~= "end" then errorf("expected end; found {{else}}") end
      end
    end
    for j = #vars, nvars + 1, -1 do vars[j] = nil end
    depth = depth - 1
    return { t = kind, pos = pipe.pos, pipe = pipe, list = list, else_list = else_list }
  end

  -- A define or block body, with its own variables ($ only) and outside any range.
  local function body(context)
    local saved_vars, saved_range = vars, range_depth
    vars, range_depth = { "$" }, 0
    local list, stop = item_list()
    if stop.t ~= "end" then errorf("unexpected {{else}} in " .. context) end
    vars, range_depth = saved_vars, saved_range
    return list
  end

  local function block_control()
    local context = "block clause"
    local ntok = next_tok()
    local tname = template_name(ntok, context)
    local pipe = pipeline(context, "rdelim")
    add_tree(tname, body(context))
    return { t = "template", pos = S[ntok] - 1, name = tname, pipe = pipe }
  end

  local function template_call()
    local context = "template clause"
    local ntok = next_tok()
    local tname = template_name(ntok, context)
    local pipe
    if T[next_tok()] ~= "rdelim" then
      i = i - 1
      pipe = pipeline(context, "rdelim")
    end
    return { t = "template", pos = S[ntok] - 1, name = tname, pipe = pipe }
  end

  local function action()
    local k = next_tok()
    local typ = T[k]
    if typ == "if" or typ == "range" or typ == "with" then
      return control(typ)
    elseif typ == "end" then
      local k2 = expect("rdelim", "end")
      return { t = "end", pos = S[k2] - 1 }
    elseif typ == "else" then
      local p = peek()
      local ptyp = T[p]
      if ptyp == "if" or (ptyp == "with" and allow_else_with) then
        return { t = "else", pos = S[p] - 1, chained = ptyp }
      end
      local k2 = expect("rdelim", "else")
      return { t = "else", pos = S[k2] - 1 }
    elseif typ == "template" then
      return template_call()
    elseif typ == "block" then
      return block_control()
    elseif typ == "break" or typ == "continue" then
      local k2 = next_tok()
      if T[k2] ~= "rdelim" then unexpected(k2, "{{" .. typ .. "}}") end
      if range_depth == 0 then errorf("{{" .. typ .. "}} outside {{range}}") end
      return { t = typ, pos = S[k] - 1 }
    end
    i = i - 1
    local p = peek()
    return { t = "action", pos = S[p] - 1, pipe = pipeline("command", "rdelim") }
  end

  local function text_or_action()
    local k = next_tok()
    local typ = T[k]
    if typ == "text" then
      return { t = "text", pos = S[k] - 1, text = ssub(text, S[k], E[k]) }
    elseif typ == "ldelim" then
      local saved = action_pos
      action_pos = S[k]
      local n = action()
      action_pos = saved
      return n
    end
    unexpected(k, "input")
  end

  function item_list()
    local list_nodes = {}
    local list = { t = "list", nodes = list_nodes, pos = S[peek()] - 1 }
    while T[peek()] ~= "eof" do
      local n = text_or_action()
      local t = n.t
      if t == "end" or t == "else" then return list, n end
      list_nodes[#list_nodes + 1] = n
    end
    local k = peek()
    if T[k] == "error" then
      next_tok()
      unexpected(k, "input")
    end
    errorf("unexpected EOF")
  end

  local function definition()
    local context = "define clause"
    local k = next_tok()
    local typ = T[k]
    if typ ~= "string" and typ ~= "rawstring" then unexpected(k, context) end
    local tname = template_name(k, context)
    expect("rdelim", context)
    add_tree(tname, body(context))
  end

  local function parse_top()
    local root_nodes = {}
    local root = { t = "list", nodes = root_nodes, pos = 0 }
    while T[peek()] ~= "eof" do
      local is_define = false
      if T[peek()] == "ldelim" then
        local save = i
        next_tok()
        is_define = T[next_tok()] == "define"
        if is_define then definition() else i = save end
      end
      if not is_define then
        local n = text_or_action()
        if n.t == "end" or n.t == "else" then
          errorf("unexpected " .. (n.t == "end" and "{{end}}" or "{{else}}"))
        end
        root_nodes[#root_nodes + 1] = n
      end
    end
    next_tok()
    return root
  end

  add_tree(name, parse_top())
end

--- Parses text; adds its trees to `trees`.
---@param text string
---@param name string
---@param has_func fun(name: string): boolean
---@param trees table<string, table>
---@param opts table|nil { allow_else_with = bool }
---@return boolean|nil ok, string|nil err
function M.parse(text, name, has_func, trees, opts)
  local toks = lexer.scan(text)
  local allow_else_with = not (opts and opts.allow_else_with == false)
  local ok, err = pcall(parse_tokens, text, toks, name, has_func, trees, allow_else_with)
  if ok then return true end
  if type(err) == "table" and err.tmpl_parse then return nil, err.tmpl_parse end
  error(err, 0)
end

return M
