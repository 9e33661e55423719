#include "workloads/requests.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "workloads/csv.h"

namespace sosasim {

std::vector<ServingRequest> read_request_trace(const std::string& path) {
  const CsvTable table = read_csv(path, [](const std::vector<std::string>&) { return true; });
  if (table.header.fields.empty())
    throw ConfigError(SourceLocation{path, 0, ""}, "", "an empty request trace (expected the header arrival_s,prompt_tokens,output_tokens)");
  const auto columns = map_columns(table, {"arrival_s", "prompt_tokens", "output_tokens", "id"},
                                   {"arrival_s", "prompt_tokens", "output_tokens"},
                                   "a request trace has the columns arrival_s,prompt_tokens,output_tokens (and optionally id)");
  std::vector<ServingRequest> requests;
  for (const auto& row : table.rows) {
    const SourceLocation where{path, row.line, ""};
    if (row.fields.size() != table.header.fields.size())
      throw ConfigError(where, "", "expected " + std::to_string(table.header.fields.size()) + " fields, found " +
                                       std::to_string(row.fields.size()));
    ServingRequest r;
    r.where = where;
    const std::string arrival = trim(row.fields[columns.at("arrival_s")]);
    char* end = nullptr;
    r.arrival_s = std::strtod(arrival.c_str(), &end);
    if (arrival.empty() || *end != '\0' || !std::isfinite(r.arrival_s) || r.arrival_s < 0 || r.arrival_s > 1e9)
      throw ConfigError(where, "arrival_s", "expected a time in seconds from 0 to 1e9, found '" + arrival + "'");
    r.prompt_tokens = parse_positive(trim(row.fields[columns.at("prompt_tokens")]), where, "prompt_tokens");
    r.output_tokens = parse_positive(trim(row.fields[columns.at("output_tokens")]), where, "output_tokens");
    for (const auto* field : {"prompt_tokens", "output_tokens"})
      if ((field[0] == 'p' ? r.prompt_tokens : r.output_tokens) > (std::int64_t{1} << 24))
        throw ConfigError(where, field, "expected at most 2^24 tokens");
    r.id = columns.count("id") ? trim(row.fields[columns.at("id")]) : std::to_string(requests.size());
    if (r.id.empty()) r.id = std::to_string(requests.size());
    requests.push_back(r);
  }
  if (requests.empty()) throw ConfigError(SourceLocation{path, 0, ""}, "", "the request trace has no requests");
  std::stable_sort(requests.begin(), requests.end(),
                   [](const ServingRequest& a, const ServingRequest& b) { return a.arrival_s < b.arrival_s; });
  return requests;
}

std::vector<ServingRequest> generate_requests(const ServingSpec& spec) {
  std::mt19937_64 random(spec.seed);
  // (0, 1], from the generator's 53 high bits.
  auto uniform = [&] { return (static_cast<double>(random() >> 11) + 1.0) * 0x1.0p-53; };
  auto draw = [&](const TokenRange& range) {
    const auto span = static_cast<std::uint64_t>(range.max - range.min) + 1;
    return range.min + static_cast<std::int64_t>(random() % span);
  };
  std::vector<ServingRequest> requests;
  double time = 0;
  for (std::int64_t i = 0; i < spec.count; ++i) {
    time += spec.poisson ? -std::log(uniform()) / spec.rate_per_s : (i == 0 ? 0.0 : 1.0 / spec.rate_per_s);
    ServingRequest r;
    r.id = std::to_string(i);
    r.arrival_s = time;
    r.prompt_tokens = draw(spec.prompt_tokens);
    r.output_tokens = draw(spec.output_tokens);
    r.where = SourceLocation{spec.where.file, spec.where.line, "serving.arrivals"};
    requests.push_back(r);
  }
  return requests;
}

}  // namespace sosasim
