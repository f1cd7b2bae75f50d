--- The diff of a plan as `hfl diff` and `apply` print it: per release in plan order Helmfile's
--- "Comparing release=…" line and hfl.diff's rendering of its changes, then one summary line.
local diff = require "hfl.diff"
local plan_mod = require "hfl.deploy.plan"

local M = {}

--- The options of hfl.diff.render from the command's (--output, --context, colour, …).
local function render_options(opts, item)
  return { format = opts.output or "diff", context = opts.context, color = opts.color == true,
    suppress_output_line_regex = opts.suppress_output_line_regex,
    strip_trailing_cr = opts.strip_trailing_cr, release = item.name }
end

--- "N releases changed, N unchanged, N to install, N to uninstall".
function M.summary_line(plan)
  local c = plan_mod.counts(plan)
  return ("%d release%s changed, %d unchanged, %d to install, %d to uninstall"):format(
    c.upgrade + c.deferred, (c.upgrade + c.deferred) == 1 and "" or "s", c.unchanged + c.skip,
    c.install, c.uninstall)
end

--- The text of every item's changes in plan order (items without changes print their
--- "Comparing" line only), then the summary line.
---@param plan table
---@param opts table  the command's options
---@return string
function M.text(plan, opts)
  local out = {}
  for _, item in ipairs(plan.items) do
    if item.release and item.action ~= "skip" then
      out[#out + 1] = ("Comparing release=%s, chart=%s, namespace=%s\n"):format(item.name,
        tostring(item.chart or ""), item.namespace)
      if item.changes and item.changes.changed then
        out[#out + 1] = diff.render(item.changes, render_options(opts, item))
      end
    end
  end
  out[#out + 1] = M.summary_line(plan) .. "\n"
  return table.concat(out)
end

return M
