// What the libFuzzer harnesses share: the readers take paths, so each input is written to a file
// of this process first. The rule they check (issue 17): bad input ends in a ConfigError (exit 2
// with file, line and key); any other exception, a crash or a sanitizer report is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace sosasim::fuzz {

// Writes the bytes to <tmp>/sosasim-fuzz-<pid>/<name> and returns that path.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto path = std::filesystem::temp_directory_path() / ("sosasim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  const std::filesystem::path path = dir / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path.string();
}

}  // namespace sosasim::fuzz
