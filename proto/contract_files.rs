// The contract files, relative to `proto/`, shared by the build script and the release
// example so both compile the same set.
const CONTRACT_FILES: [&str; 5] = [
    "onewindow/common/v1/common.proto",
    "onewindow/catalog/v1/catalog.proto",
    "onewindow/trading/v1/trading.proto",
    "onewindow/cases/v1/cases.proto",
    "onewindow/supervision/v1/supervision.proto",
];
