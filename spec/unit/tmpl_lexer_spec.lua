-- hfl.tmpl.lexer: tokens, positions and lines, spaces, trim markers, lexical errors.
local lexer = require "hfl.tmpl.lexer"

local function kinds(text)
  local out = {}
  for _, t in ipairs(lexer.lex(text)) do out[#out + 1] = t[1] .. "=" .. t[2] end
  return table.concat(out, " ")
end

describe("hfl.tmpl.lexer #unit", function()
  it("splits text and actions", function()
    assert.are.equal("text=a ldelim={{ field=.x rdelim=}} text=b eof=", kinds("a{{ .x }}b"))
  end)

  it("recognises every operand kind", function()
    assert.are.equal("ldelim={{ variable=$x declare=:= number=1 pipe=| identifier=f "
      .. "string=\"s\" rawstring=`r` char='c' bool=true nil=nil "
      .. "dot=. lparen=( field=.a rparen=) rdelim=}} eof=",
      kinds("{{$x:=1 | f \"s\" `r` 'c' true nil . (.a)}}"))
  end)

  it("applies trim markers to the text around", function()
    assert.are.equal("text=a ldelim={{ number=1 rdelim=}} text=b eof=", kinds("a \n {{- 1 -}} \n b"))
    assert.are.equal("ldelim={{ number=-1 rdelim=}} eof=", kinds("{{-1}}"))
  end)

  it("drops comments", function()
    assert.are.equal("text=a text=b eof=", kinds("a{{/* x */}}b"))
  end)

  it("records 0-based positions and the line of each token", function()
    local toks = lexer.lex("x\n  {{ .y }}")
    local field = toks[3]
    assert.are.same({ "field", ".y", 7, 2 }, field)
  end)

  it("marks spaces by a gap between tokens, not by tokens", function()
    local toks = lexer.scan("{{ .a .b.c\n| f (.d) -}}")
    local spaced = {}
    for k = 2, toks.n - 1 do
      spaced[#spaced + 1] = toks.typ[k] .. (toks.s[k] > toks.e[k - 1] + 1 and "+" or "")
    end
    assert.are.equal("field+ field+ field pipe+ identifier+ lparen+ field rparen rdelim+", table.concat(spaced, " "))
  end)

  it("ends with an error token carrying Go's message", function()
    local toks = lexer.lex("{{ .a! }}")
    assert.are.same("error", toks[#toks][1])
    assert.are.same("bad character U+0021 '!'", toks[#toks][2])
  end)
end)
