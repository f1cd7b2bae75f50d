/* Shared by the two halves of hfl.core.yaml: c/l_yaml_value.c converts between Lua values and
 * YAML trees; c/l_yaml.c binds the functions and the tree object. */
#ifndef HFL_L_YAML_H
#define HFL_L_YAML_H

#include <stddef.h>

#include <lua.h>

#include "yaml.h"

/* Registry keys and metatable names of the value model (lua/hfl/value.lua). */
#define NULL_KEY "hfl.null"
#define ORDER_KEY "hfl.order"
#define LINES_KEY "hfl.lines"
#define MAP_MT "hfl.map"
#define LIST_MT "hfl.list"
#define FLOAT_MT "hfl.float"
#define INT_MT "hfl.int"

/* Pushes the value of root (recording key order and source lines in the side tables when
 * asked) and returns 1; on failure pushes nil, message and returns 2. */
int hfl_yaml_push_root(lua_State *L, const yv *root, int record_order, int record_lines);
/* The tree of the Lua value at idx, allocated in arena, its maps' keys in their recorded
 * order; NULL with a message in err when a value cannot be YAML (a function, a cycle, …) or
 * memory runs out. */
yv *hfl_yaml_build(lua_State *L, int idx, yv_arena *arena, char *err, size_t errlen);
/* Pushes the table of the value model's types ({null=, map=, list=, float=, int=, order=,
 * lines=}), created once per Lua state. */
void hfl_yaml_push_types(lua_State *L);

#endif
