//! `kindred score`: applies SNP effects (`reml --blup-snp`) to the samples
//! of any fileset, matching variants by ID and alleles.

use std::io::Write;

use association::blup::{read_effects, score};
use association::output::sci_with;
use genotype::{with_extension, AtomicFile, Fileset, SampleFilter, SampleSubset};

use crate::args::ScoreArgs;
use crate::outputs::Outputs;
use crate::runlog::RunLog;

/// Scores and logs how the effects matched.
pub fn run(a: &ScoreArgs) -> anyhow::Result<()> {
    let mut inputs: Vec<_> = ["bed", "bim", "fam"]
        .iter()
        .map(|e| with_extension(&a.bfile, e))
        .collect();
    inputs.push(a.effects.clone());
    inputs.extend(a.keep.iter().chain(&a.remove).cloned());
    Outputs::claim(&a.out, &[], &inputs, a.common.quiet)?.run(|log| body(a, log))
}

fn body(a: &ScoreArgs, log: &mut RunLog) -> anyhow::Result<()> {
    let fs = Fileset::open(&a.bfile)?;
    let filter = SampleFilter {
        keep: a.keep.as_deref(),
        remove: a.remove.as_deref(),
    };
    let mask = filter.apply(&fs.fam)?;
    let kept: Vec<u32> = (0..fs.fam.len() as u32).filter(|&i| mask[i as usize]).collect();
    let effects = read_effects(&a.effects)?;
    let samples = SampleSubset::new(kept.clone(), fs.fam.len());
    let (scores, m) = score(&fs, &samples, &effects);
    log.info(format!(
        "{}: {} effects; {} used as listed, {} with the alleles swapped; left out: {} not in {}.bim, \
         {} with other alleles, {} palindromic (A/T, C/G) listed swapped (strand ambiguous)",
        a.effects.display(),
        m.listed,
        m.used,
        m.flipped,
        m.absent,
        a.bfile.display(),
        m.other_alleles,
        m.ambiguous
    ));
    if m.used + m.flipped == 0 {
        log.warn("no effect matched a variant of the fileset: every score is 0".to_string());
    }
    let path = with_extension(&a.out, "score.tsv");
    let mut f = AtomicFile::create(&path)?;
    let io = |e: std::io::Error| genotype::Error::Io {
        path: path.clone(),
        source: e,
    };
    writeln!(f, "FID\tIID\tscore").map_err(io)?;
    for (&s, v) in kept.iter().zip(&scores) {
        let id = &fs.fam.samples[s as usize].id;
        writeln!(f, "{}\t{}\t{}", id.fid, id.iid, sci_with(*v, 9)).map_err(io)?;
    }
    f.commit()?;
    log.info(format!("{} samples scored; wrote {}", kept.len(), path.display()));
    Ok(())
}
