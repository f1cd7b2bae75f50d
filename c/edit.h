/* hfl edit: line editing for `hfl repl` over libedit (BSD-licensed editline): a prompt with
 * emacs key bindings, a history kept in a file, tab completion through a callback, and Ctrl-C
 * that abandons the line instead of killing the process. Built only when libedit's headers
 * are there (the Makefile's OPTIONAL). */
#ifndef HFL_EDIT_H
#define HFL_EDIT_H

#include <stddef.h>

struct hfl_edit;

/* What a completion did: nothing to offer (the terminal beeps), text inserted, or a list of
 * candidates printed below the line. */
enum hfl_edit_completed { HFL_EDIT_NONE, HFL_EDIT_INSERTED, HFL_EDIT_LISTED };

/* Called on Tab with the text before the cursor; it answers through hfl_edit_insert and
 * hfl_edit_list. */
typedef enum hfl_edit_completed (*hfl_edit_complete_fn)(void *ud, struct hfl_edit *ed,
                                                        const char *before, size_t len);

/* An editor on stdin/stdout; NULL when libedit cannot set up the terminal. */
struct hfl_edit *hfl_edit_new(const char *program, hfl_edit_complete_fn complete, void *ud);
void hfl_edit_free(struct hfl_edit *ed);

/* Reads one line (without its newline) shown after `prompt`. Returns the line (valid until
 * the next call) and sets *len; NULL at end of input (Ctrl-D on an empty line). *interrupted
 * is 1 when Ctrl-C abandoned the line (then the returned text is to be ignored). */
const char *hfl_edit_read(struct hfl_edit *ed, const char *prompt, size_t *len, int *interrupted);

/* Inserts text at the cursor (from a completion). */
int hfl_edit_insert(struct hfl_edit *ed, const char *text);
/* Prints candidates in columns below the line being edited (from a completion). */
void hfl_edit_list(struct hfl_edit *ed, const char *const *items, size_t n);

/* History: add a line; load a file; save to a file, created with mode 0600. 0 or -1. */
void hfl_edit_history_add(struct hfl_edit *ed, const char *line);
int hfl_edit_history_load(struct hfl_edit *ed, const char *path);
int hfl_edit_history_save(struct hfl_edit *ed, const char *path);

#endif
