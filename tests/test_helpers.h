// Small helpers shared by the tests: temporary files and folders that clean up after themselves.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace sosasim::test {

class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() / ("sosasim-test-" + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to `name` inside the folder and returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    std::filesystem::path file = path_ / name;
    std::ofstream(file) << content;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// The whole file as text.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The ConfigError message of reading `content` as trace file `t.csv` with `read` ("" if none).
template <typename Read>
std::string trace_error_of(const std::string& content, Read read) {
  TempDir dir;
  std::string path = dir.write("t.csv", content);
  try {
    read(path);
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}

}  // namespace sosasim::test
