// The requests of a serving run: a request trace (CSV with header arrival_s,prompt_tokens,
// output_tokens and an optional id) or generated arrivals (Poisson or fixed-rate, with fixed
// lengths or lengths drawn uniformly, from a seed). Every error names the file, line and column,
// or the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/specs.h"

namespace sosasim {

struct ServingRequest {
  std::string id;
  double arrival_s = 0;
  std::int64_t prompt_tokens = 1;
  std::int64_t output_tokens = 1;
  SourceLocation where;  // its trace line, or the arrivals key
};

// Sorted by arrival (ties in trace order).
std::vector<ServingRequest> read_request_trace(const std::string& path);
// The same seed gives the same requests on every machine (no standard distribution is used).
std::vector<ServingRequest> generate_requests(const ServingSpec& spec);

}  // namespace sosasim
