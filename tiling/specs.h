// The tiling spec (plain, validated data; its schema and reading: tiling/specs.cpp). A spec
// header includes only the kernel.
#pragma once

#include <cstdint>
#include <string>

#include "sim/kernel/params.h"

namespace sosasim {

struct TilingSpec {
  std::int64_t partition_size = 0;  // p: rows of X per tile op; 0 = auto (= array rows)
  std::string scheduler = "dynamic";
  bool reduce_on_post_processors = false;  // k_reduction: post_processors
  ParamValues params;
};

}  // namespace sosasim
