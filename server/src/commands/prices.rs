//! `modelwatch prices import|show`: loading a newer price catalog, and which price applies.

use std::io::Read;

use anyhow::{bail, Context};

use crate::clock::now_ms;
use crate::config::PricesCommand;
use crate::cost::{self, import, Catalog, PriceOrigin};
use crate::store::Storage;

/// `modelwatch prices import|show`
pub async fn prices(storage: &dyn Storage, command: PricesCommand) -> anyhow::Result<()> {
    match command {
        PricesCommand::Import { file } => {
            let text = read_bounded(&file)?;
            let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
            let source = format!(
                "imported from {}",
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            let imported = import::read(&text, &today, &source)
                .map_err(|reason| anyhow::anyhow!("{}: {reason}", file.display()))?;
            let stored = storage.import_prices(&imported.entries, now_ms()).await?;
            eprintln!(
                "imported {stored} model prices from {}; {} entries skipped (no price for a model call); new calls are priced with them within 30 s, use recompute-cost for stored ones",
                file.display(),
                imported.skipped.len()
            );
            Ok(())
        }
        PricesCommand::Show { model, workspace } => {
            let Some(workspace_id) = storage.find_workspace_id(&workspace).await? else {
                bail!("no workspace {workspace:?}");
            };
            let own = storage
                .list_models(workspace_id)
                .await?
                .into_iter()
                .find(|(_, name, _)| *name == model)
                .map(|(_, _, entry)| entry.prices)
                .unwrap_or_default();
            let imported = Catalog::new(storage.imported_prices().await?);
            let origin = cost::resolve(&own, imported.lookup(&model).cloned(), &model);
            let prices = origin.prices(&own);
            let from = match &origin {
                PriceOrigin::Workspace => format!("workspace {workspace:?}'s own prices"),
                PriceOrigin::Imported(entry) => {
                    format!("imported catalog entry {:?} ({})", entry.model, entry.as_of)
                }
                PriceOrigin::BuiltIn(entry) => {
                    format!("built-in catalog entry {:?} ({})", entry.model, entry.as_of)
                }
                PriceOrigin::Unknown => {
                    bail!("no price for {model:?}: set one in Settings or import a catalog")
                }
            };
            println!("{model}: {from}");
            for (field, label) in app::model::PRICE_FIELDS {
                if let Some(price) = prices.get(field) {
                    println!("  {label:<26} {price} USD");
                }
            }
            Ok(())
        }
    }
}

/// The file's text, refused past `import::MAX_FILE_BYTES`.
fn read_bounded(file: &std::path::Path) -> anyhow::Result<String> {
    let opened =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let mut text = String::new();
    opened
        .take(import::MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
    if text.len() as u64 > import::MAX_FILE_BYTES {
        bail!(
            "{}: larger than {} MiB",
            file.display(),
            import::MAX_FILE_BYTES >> 20
        );
    }
    Ok(text)
}
