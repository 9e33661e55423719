// Writing results so that nothing finished is lost: a file is replaced only by a complete copy,
// and appended lines go in whole. A failed write (a full disk, a read-only folder) is a
// ConfigError naming the file and the system's reason, never a truncated result.
#pragma once

#include <string>

namespace sosasim {

// Writes `content` to PATH.tmp, checks every byte reached the disk (flushed and synced), then
// renames it over `path`. On failure the old `path` is untouched and PATH.tmp is removed.
void write_file_atomically(const std::string& path, const std::string& content);

// Appends `text` (whole lines) to `path`, creating it, in one write call where the system allows
// (continuing after a partial write), then syncs. A last line cut short (no newline at the end)
// is ended first, so it stays alone and the new lines stay whole.
void append_whole(const std::string& path, const std::string& text);

}  // namespace sosasim
