// Trace formats beyond the basic native rows: SCALE-Sim topology files (their real quirks),
// our convolution CSV, the optional native columns, the layer graph.
#include <catch2/catch.hpp>

#include <filesystem>

#include "sim/kernel/errors.h"
#include "tests/test_helpers.h"
#include "workloads/layer_graph.h"
#include "workloads/trace.h"

using namespace sosasim;
using Catch::Matchers::Contains;

namespace {

std::string reference(const std::string& file) { return std::string(SOSASIM_REFERENCE_DIR) + "/scalesim/" + file; }

bool have_reference() { return std::filesystem::exists(reference("alexnet.csv")); }

std::string trace_error(const std::string& content) {
  return test::trace_error_of(content, [](const std::string& path) { read_trace(path, "t"); });
}

}  // namespace

TEST_CASE("every SCALE-Sim topology file imports", "[workloads][scalesim]") {
  if (!have_reference()) {
    WARN("shared/reference is not there; skipped");
    return;
  }
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SOSASIM_REFERENCE_DIR) + "/scalesim")) {
    INFO(entry.path().string());
    Workload w = read_trace(entry.path().string(), entry.path().stem().string());
    CHECK(w.layers.size() > 0);
  }
}

TEST_CASE("SCALE-Sim conv rows give SCALE-Sim's own M, K, N", "[workloads][scalesim]") {
  if (!have_reference()) return;
  Workload alexnet = read_trace(reference("alexnet.csv"), "alexnet");
  REQUIRE(alexnet.layers.size() == 5);
  // Conv1: 224x224, 11x11, stride 4: ceil((224 - 11 + 4) / 4) = 55.
  CHECK(alexnet.layers[0].M == 55 * 55);
  CHECK(alexnet.layers[0].K == 11 * 11 * 3);
  CHECK(alexnet.layers[0].N == 96);
  CHECK(alexnet.layers[1].M == 23 * 23);  // 27 - 5 + 1
  CHECK(alexnet.layers[1].K == 5 * 5 * 96);
  // The input tensor, not its lowering: 224 x 224 x 3 (im2col would be 55 x 55 x 363).
  CHECK(alexnet.layers[0].input_elements == 224 * 224 * 3);
  CHECK(alexnet.layers[0].input_tensor_elements() == 224u * 224 * 3);
  CHECK(alexnet.layers[0].lowered_input_elements() == 55u * 55 * 363);
  Workload mobilenet = read_trace(reference("mobilenet.csv"), "m");
  CHECK(mobilenet.layers[1].M == 110 * 110);  // SCALE-Sim lowers a depthwise row as one filter
  CHECK(mobilenet.layers[1].K == 3 * 3 * 32);
  CHECK(mobilenet.layers[1].N == 1);
  CHECK(mobilenet.layers[3].M == 56 * 56);  // stride 2: ceil((112 - 3 + 2) / 2) = ceil(55.5) = 56
}

TEST_CASE("SCALE-Sim quirks: batch column, GEMM column order, sparsity, blank lines, BOM", "[workloads][scalesim]") {
  if (!have_reference()) return;
  Workload llama = read_trace(reference("llama3b.csv"), "llama");
  CHECK(llama.layers[0].M == 512 * 512);
  CHECK(llama.layers[0].K == 3);
  CHECK(llama.layers[0].N == 4096);
  Workload gpt2 = read_trace(reference("gpt2_gemm_mnk.csv"), "gpt2");
  CHECK(gpt2.layers[0].name == "QKT");
  CHECK(gpt2.layers[0].M == 1024);
  CHECK(gpt2.layers[0].N == 1024);
  CHECK(gpt2.layers[0].K == 64);
  CHECK(gpt2.layers[2].N == 4800);  // Linear1: M 1024, N 4800, K 1600
  CHECK(gpt2.layers[2].K == 1600);
  Workload conv_format = read_trace(reference("gpt2_conv_format.csv"), "g");
  CHECK(conv_format.total_macs() == gpt2.total_macs());
  Workload sparse = read_trace(reference("sparsity_gemm_v3.csv"), "s");
  CHECK(sparse.layers[0].sparsity == "3:4");
  CHECK(sparse.layers[1].sparsity == "1:4");
  CHECK(read_trace(reference("resnet50_mlperf.csv"), "r").layers.size() == 54);
}

TEST_CASE("our convolution CSV: padding, groups and depthwise", "[workloads]") {
  test::TempDir dir;
  std::string path = dir.write("c.csv",
                               "layer,H,W,C,R,S,out_channels,stride,padding,groups,batch,depends_on\n"
                               "stem,224,224,3,3,3,32,2,1,1,2,none\n"
                               "dw,112,112,32,3,3,32,1,1,32,1,stem\n"
                               "grouped,112,112,32,3,3,64,1,0,4,1,dw\n");
  Workload w = read_trace(path, "c");
  CHECK(w.layers[0].M == 112 * 112 * 2);
  CHECK(w.layers[0].K == 27);
  CHECK(w.layers[1].count == 32);
  CHECK(w.layers[1].K == 9);
  CHECK(w.layers[1].N == 1);
  CHECK(w.layers[1].depthwise);
  CHECK(w.layers[2].M == 110 * 110);
  CHECK(w.layers[2].K == 9 * 8);
  CHECK(w.layers[2].N == 16);
  CHECK(w.layers[2].count == 4);
  CHECK_FALSE(w.layers[2].depthwise);
  CHECK(w.layers[0].input_elements == 224 * 224 * 3 * 2);  // the unpadded input of both batch images
  CHECK(w.layers[2].input_tensor_elements() == 112u * 112 * 32);
  CHECK_THAT(trace_error("layer,H,W,C,R,S,out_channels,stride,padding,groups\nx,8,8,6,3,3,8,1,1,4\n"),
             Contains("field 'groups'"));
}

TEST_CASE("native optional columns: depends_on, format, sparsity, w_operand, input_elements, input_from",
          "[workloads]") {
  test::TempDir dir;
  std::string path = dir.write("t.csv",
                               "layer,M,K,N,count,depends_on,format,sparsity,w_operand,input_elements,input_from\n"
                               "a,8,8,8,1,none,bfp:5,,weight,20,chip\n"
                               "b,8,8,8,1,a,,2:4,,,dram\n"
                               "c,8,8,8,2,a,int8,none,activation,1000,producers\n"
                               "d,8,8,8,1,b;c,bfp:3:32,,\n");
  Workload w = read_trace(path, "t");
  CHECK(w.layers[0].input_tensor_elements() == 20);
  CHECK(w.layers[1].input_tensor_elements() == 64);     // not given: M x K
  CHECK(w.layers[2].input_tensor_elements() == 2 * 64);  // never more than the lowering reads
  CHECK(w.layers[0].depends.empty());
  CHECK(w.layers[3].depends == std::vector<std::size_t>{1, 2});
  CHECK(w.layers[0].format == "bfp:5");
  CHECK(w.layers[1].sparsity == "2:4");
  CHECK(w.layers[2].weights_on_chip);
  CHECK_FALSE(w.layers[1].weights_on_chip);
  using From = Layer::InputFrom;
  CHECK(w.layers[0].input_from == From::Chip);
  CHECK_FALSE(w.layers[0].reads_input_from_dram());  // (no producers, but on chip)
  CHECK(w.layers[1].input_from == From::Dram);
  CHECK(w.layers[1].reads_input_from_dram());
  CHECK(w.layers[2].input_from == From::Producers);
  CHECK_FALSE(w.layers[2].reads_input_from_dram());
  CHECK(w.layers[3].input_from == From::Producers);  // (empty: producers)
  // Written back as a native trace and read again, the columns survive.
  const std::string again = dir.write("again.csv", native_trace_text(w, "round trip"));
  const Workload w2 = read_trace(again, "again");
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    CHECK(w2.layers[l].input_from == w.layers[l].input_from);
  }
  CriticalPath path_ = critical_path(w);
  CHECK(path_.layers == std::vector<std::size_t>{0, 2, 3});  // c (2 instances) outweighs b
  CHECK(path_.macs == 512 + 1024 + 512);
}

TEST_CASE("layers run in dependency order even when the file order is not one", "[workloads]") {
  test::TempDir dir;
  std::string path = dir.write("t.csv", "layer,M,K,N,depends_on\nlate,1,1,1,early\nearly,1,1,1,none\nlast,1,1,1,late\n");
  Workload w = read_trace(path, "t");
  CHECK(topological_order(w) == std::vector<std::size_t>{1, 0, 2});
  std::string chain = dir.write("chain.csv", "layer,M,K,N\na,1,1,1\nb,1,1,1\n");
  CHECK(read_trace(chain, "c").layers[1].depends == std::vector<std::size_t>{0});
}

TEST_CASE("malformed graphs and columns name the file and line", "[workloads][errors]") {
  std::string message = trace_error("layer,M,K,N,depends_on\na,1,1,1,none\nb,1,1,1,ghost\n");
  CHECK_THAT(message, Contains("t.csv:3"));
  CHECK_THAT(message, Contains("unknown layer 'ghost'"));
  message = trace_error("layer,M,K,N,depends_on\na,1,1,1,c\nb,1,1,1,a\nc,1,1,1,b\n");
  CHECK_THAT(message, Contains("t.csv:"));
  CHECK_THAT(message, Contains("cycle"));
  CHECK_THAT(trace_error("layer,M,K,N,depends_on\na,1,1,1,a\n"), Contains("depends on itself"));
  CHECK_THAT(trace_error("layer,M,K,N,depends_on\na,1,1,1,none\na,1,1,1,none\nb,1,1,1,a\n"), Contains("used by 2 layers"));
  message = trace_error("layer,M,K,N,format\na,1,1,1,bfp:99\n");
  CHECK_THAT(message, Contains("t.csv:2"));
  CHECK_THAT(message, Contains("field 'format'"));
  CHECK_THAT(trace_error("layer,M,K,N,sparsity\na,1,1,1,5:4\n"), Contains("field 'sparsity'"));
  CHECK_THAT(trace_error("layer,M,K,N,w_operand\na,1,1,1,param\n"), Contains("field 'w_operand'"));
  CHECK_THAT(trace_error("layer,M,K,N,input_from\na,1,1,1,disk\n"), Contains("field 'input_from'"));
  CHECK_THAT(trace_error("layer,M,K,N,input_elements\na,1,1,1,0\n"), Contains("field 'input_elements'"));
  CHECK_THAT(trace_error("layer,M,K,N\na,1,-3,1\n"), Contains("field 'K'"));
  CHECK_THAT(trace_error("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
                         "c,4,4,5,5,3,8,1,\n"),
             Contains("larger than the IFMAP"));
  CHECK_THAT(trace_error("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
                         "c,8,8,3,3,x,8,1,\n"),
             Contains("t.csv:2"));
}
