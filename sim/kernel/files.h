// Files the user names and files results go to. Reading: an input file is looked for at its
// candidate places, and a path the system refuses (a name too long, no permission) is a
// ConfigError naming the key. Writing, so that nothing finished is lost: a file is replaced only
// by a complete copy, and appended lines go in whole. A failed write (a full disk, a read-only
// folder) is a ConfigError naming the file and the system's reason, never a truncated result.
#pragma once

#include <string>
#include <vector>

#include "sim/kernel/errors.h"

namespace sosasim {

// The first of `candidates` that is a regular file, canonical. None: a ConfigError at `where`,
// key `key_path`: "<what> '<given>' not found (looked at: ...)", or the system's reason when it
// refused a candidate for another cause than its absence.
std::string find_input_file(const std::vector<std::string>& candidates, const std::string& what,
                            const std::string& given, const SourceLocation& where, const std::string& key_path);

// Writes `content` to PATH.tmp, checks every byte reached the disk (flushed and synced), then
// renames it over `path`. On failure the old `path` is untouched and PATH.tmp is removed.
void write_file_atomically(const std::string& path, const std::string& content);

// Appends `text` (whole lines) to `path`, creating it, in one write call where the system allows
// (continuing after a partial write), then syncs. A last line cut short (no newline at the end)
// is ended first, so it stays alone and the new lines stay whole.
void append_whole(const std::string& path, const std::string& text);

}  // namespace sosasim
