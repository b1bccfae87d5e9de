//! Cuts a release of the contracts: writes the descriptor set that the breaking-change check
//! (`onewindow_proto::compat`) compares the current contracts with.
//!
//! ```sh
//! cargo run -p onewindow-proto --example release_contracts
//! cargo run -p onewindow-proto --example release_contracts -- --from <dir with onewindow/...>
//! ```
//!
//! Without `--from` it writes the contracts this crate was built from; with it, the `.proto`
//! files under that directory (say a `git archive` of a release tag), compiled the same way.

use std::path::PathBuf;

include!("../contract_files.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bytes = match args.as_slice() {
        [] => onewindow_proto::FILE_DESCRIPTOR_SET.to_vec(),
        [flag, root] if flag == "--from" => {
            let mut compiler = protox::Compiler::new([PathBuf::from(root)])?;
            compiler.include_imports(true).include_source_info(true);
            compiler.open_files(CONTRACT_FILES)?;
            compiler.encode_file_descriptor_set()
        }
        _ => return Err("usage: release_contracts [--from <proto root>]".into()),
    };
    let out = manifest.join("released").join("onewindow.binpb");
    std::fs::create_dir_all(out.parent().ok_or("no parent directory")?)?;
    std::fs::write(&out, &bytes)?;
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
