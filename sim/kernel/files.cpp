#include "sim/kernel/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "sim/kernel/errors.h"

namespace sosasim {

std::string find_input_file(const std::vector<std::string>& candidates, const std::string& what,
                            const std::string& given, const SourceLocation& where, const std::string& key_path) {
  for (const auto& candidate : candidates) {
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error)) {
      const auto canonical = std::filesystem::weakly_canonical(candidate, error);
      return error ? candidate : canonical.string();
    }
    if (error && error != std::errc::no_such_file_or_directory && error != std::errc::not_a_directory)
      throw ConfigError(where, key_path, what + " '" + given + "': " + error.message());
  }
  std::string looked;
  for (const auto& candidate : candidates) looked += " " + candidate;
  throw ConfigError(where, key_path, what + " '" + given + "' not found (looked at:" + looked + ")");
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int error) {
  throw ConfigError(SourceLocation{path, 0, ""}, "", "cannot " + what + ": " + std::strerror(error));
}

// Writes all of `text` to `fd`; returns 0 or the errno of the failure.
int write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    done += static_cast<std::size_t>(n);
  }
  return ::fsync(fd) == 0 || errno == EINVAL ? 0 : errno;  // EINVAL: a file that cannot be synced (a pipe)
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(temporary, "write", errno);
  int error = write_all(fd, content);
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    std::remove(temporary.c_str());
    fail(path, "write", error);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = errno;
    std::remove(temporary.c_str());
    fail(path, "replace", error);
  }
}

void append_whole(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "append to", errno);
  // A last line cut short (a kill mid-write) stays a line of its own.
  char last = '\n';
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0 && ::pread(fd, &last, 1, size - 1) != 1) last = '\n';
  int error = write_all(fd, last == '\n' ? text : "\n" + text);
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) fail(path, "append to", error);
}

}  // namespace sosasim
