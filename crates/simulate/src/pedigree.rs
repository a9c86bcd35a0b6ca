//! Who is who: output samples, their subpopulations and families, and the
//! genomes (founders, unobserved parents, children) behind them.

use genotype::{Sample, SampleId, Sex};
use rand::Rng;

use crate::config::{Relation, SimConfig};
use crate::rng::{Purpose, Streams};

/// A pair of relatives among the output samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    /// How the two are related.
    pub relation: Relation,
    /// Their subpopulation (0-based); all members and parents share it.
    pub pop: usize,
    /// The two output samples (`.fam` rows, 0-based). For
    /// [`Relation::ParentOffspring`] the parent comes first.
    pub members: [usize; 2],
}

/// The samples of a simulation and the genomes behind them.
///
/// Output order: the families first (family `j` is rows `2j`, `2j + 1`),
/// then the unrelated samples. Families and unrelated samples are dealt to
/// subpopulations in turn. IDs say where a sample comes from:
///
/// | sample | FID | IID |
/// |---|---|---|
/// | unrelated | `pop{k}_ind{i}` | same as FID |
/// | full sibs | `pop{k}_fam{j}` | `pop{k}_fam{j}_sib1`, `..._sib2` |
/// | parent and child | `pop{k}_fam{j}` | `pop{k}_fam{j}_parent`, `..._child` (the child's `.fam` record names the parent) |
/// | half sibs | `pop{k}_fam{j}` | `pop{k}_fam{j}_half1`, `..._half2` |
///
/// (`k`, `i`, `j` 1-based.) Parents who are not in the output are written as
/// `0` in the `.fam`, so PLINK treats their children as founders.
#[derive(Debug, Clone)]
pub struct Pedigree {
    /// Output samples in `.fam` order.
    pub samples: Vec<Sample>,
    /// Subpopulation (0-based) of each output sample.
    pub pops: Vec<usize>,
    /// The families, in output order.
    pub families: Vec<Family>,
    /// Genome behind each output sample (an index into founders, then children).
    pub(crate) genome_of: Vec<u32>,
    /// Subpopulation of each founder genome (genomes `0..founder_pop.len()`).
    pub(crate) founder_pop: Vec<u16>,
    /// Parents (genome indices, both founders) of each child genome (genomes
    /// `founder_pop.len()..`).
    pub(crate) children: Vec<[u32; 2]>,
}

fn random_sex(rng: &mut impl Rng) -> Sex {
    if rng.random_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    }
}

struct Builder {
    ped: Pedigree,
}

impl Builder {
    fn founder(&mut self, pop: usize) -> u32 {
        self.ped.founder_pop.push(pop as u16);
        (self.ped.founder_pop.len() - 1) as u32
    }

    /// Child genomes are numbered after all founders: stored here by local
    /// index and shifted in `finish`.
    fn child(&mut self, parents: [u32; 2]) -> u32 {
        self.ped.children.push(parents);
        (self.ped.children.len() - 1) as u32 | CHILD
    }

    fn output(&mut self, sample: Sample, pop: usize, genome: u32) -> usize {
        self.ped.samples.push(sample);
        self.ped.pops.push(pop);
        self.ped.genome_of.push(genome);
        self.ped.samples.len() - 1
    }

    fn finish(mut self) -> Pedigree {
        let n_founders = self.ped.founder_pop.len() as u32;
        for g in &mut self.ped.genome_of {
            if *g & CHILD != 0 {
                *g = (*g & !CHILD) + n_founders;
            }
        }
        self.ped
    }
}

/// Marks a child genome index before founders are counted.
const CHILD: u32 = 1 << 31;

fn sample(fid: &str, iid: &str, father: Option<&str>, mother: Option<&str>, sex: Sex) -> Sample {
    Sample {
        id: SampleId::new(fid, iid),
        father: father.map(Into::into),
        mother: mother.map(Into::into),
        sex,
    }
}

impl Pedigree {
    /// The pedigree of a (validated) configuration: a deterministic function
    /// of the sample count, the subpopulations, the family fraction and
    /// kinds, and the seed (which only draws sexes).
    pub fn new(cfg: &SimConfig) -> Self {
        let mut rng = Streams::new(cfg.seed).get(Purpose::Pedigree, 0);
        let n_fam = if cfg.relations.is_empty() {
            0
        } else {
            (cfg.family_fraction * cfg.n_samples as f64 / 2.0).floor() as usize
        };
        let n_fam = n_fam.min(cfg.n_samples / 2);
        let mut b = Builder {
            ped: Pedigree {
                samples: Vec::with_capacity(cfg.n_samples),
                pops: Vec::with_capacity(cfg.n_samples),
                families: Vec::with_capacity(n_fam),
                genome_of: Vec::with_capacity(cfg.n_samples),
                founder_pop: Vec::new(),
                children: Vec::new(),
            },
        };
        for j in 0..n_fam {
            let relation = cfg.relations[j % cfg.relations.len()];
            let pop = j % cfg.n_pops;
            let fid = format!("pop{}_fam{}", pop + 1, j + 1);
            let members = match relation {
                Relation::FullSibs => {
                    let (father, mother) = (b.founder(pop), b.founder(pop));
                    let mut ids = [0; 2];
                    for (k, id) in ids.iter_mut().enumerate() {
                        let g = b.child([father, mother]);
                        let s = sample(&fid, &format!("{fid}_sib{}", k + 1), None, None, random_sex(&mut rng));
                        *id = b.output(s, pop, g);
                    }
                    ids
                }
                Relation::ParentOffspring => {
                    let (parent, other) = (b.founder(pop), b.founder(pop));
                    let parent_sex = random_sex(&mut rng);
                    let parent_iid = format!("{fid}_parent");
                    let p = b.output(sample(&fid, &parent_iid, None, None, parent_sex), pop, parent);
                    let g = b.child([parent, other]);
                    let (father, mother) = match parent_sex {
                        Sex::Male => (Some(parent_iid.as_str()), None),
                        _ => (None, Some(parent_iid.as_str())),
                    };
                    let c = sample(&fid, &format!("{fid}_child"), father, mother, random_sex(&mut rng));
                    [p, b.output(c, pop, g)]
                }
                Relation::HalfSibs => {
                    let shared = b.founder(pop);
                    let mut ids = [0; 2];
                    for (k, id) in ids.iter_mut().enumerate() {
                        let other = b.founder(pop);
                        let g = b.child([shared, other]);
                        let s = sample(&fid, &format!("{fid}_half{}", k + 1), None, None, random_sex(&mut rng));
                        *id = b.output(s, pop, g);
                    }
                    ids
                }
            };
            b.ped.families.push(Family { relation, pop, members });
        }
        for u in 0..cfg.n_samples - 2 * n_fam {
            let pop = (n_fam + u) % cfg.n_pops;
            let g = b.founder(pop);
            let id = format!("pop{}_ind{}", pop + 1, u + 1);
            b.output(sample(&id, &id, None, None, random_sex(&mut rng)), pop, g);
        }
        b.finish()
    }

    /// Number of output samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether there are no output samples (never, for a valid configuration).
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Number of genomes simulated: output samples plus unobserved parents.
    pub fn n_genomes(&self) -> usize {
        self.founder_pop.len() + self.children.len()
    }

    /// Parents simulated only to be transmitted (not in the output).
    pub fn n_hidden(&self) -> usize {
        self.n_genomes() - self.len()
    }

    /// Number of families of each kind.
    pub fn count(&self, relation: Relation) -> usize {
        self.families.iter().filter(|f| f.relation == relation).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_first_then_unrelated_with_consistent_genomes() {
        let mut cfg = SimConfig::new(13, 10);
        cfg.family_fraction = 0.5;
        cfg.n_pops = 2;
        let p = Pedigree::new(&cfg);
        assert_eq!(p.len(), 13);
        assert_eq!(p.families.len(), 3);
        assert_eq!(p.count(Relation::FullSibs), 1);
        assert_eq!(p.count(Relation::ParentOffspring), 1);
        assert_eq!(p.count(Relation::HalfSibs), 1);
        // hidden: 2 sib parents + 1 other parent + 3 half-sib parents
        assert_eq!(p.n_hidden(), 6);
        let po = p.families[1];
        assert_eq!(po.members, [2, 3]);
        let (parent, child) = (&p.samples[2], &p.samples[3]);
        assert_eq!(&*parent.id.iid, "pop2_fam2_parent");
        let named = child.father.as_deref().or(child.mother.as_deref());
        assert_eq!(named, Some("pop2_fam2_parent"));
        let nf = p.founder_pop.len() as u32;
        let cg = p.genome_of[3];
        assert!(cg >= nf);
        assert!(p.children[(cg - nf) as usize].contains(&p.genome_of[2]));
        let half = p.families[2]
            .members
            .map(|m| p.children[(p.genome_of[m] - nf) as usize]);
        assert_eq!(half[0][0], half[1][0]);
        assert_ne!(half[0][1], half[1][1]);
        assert_eq!(&*p.samples[6].id.iid, "pop2_ind1");
        assert_eq!(p.pops[6], 1);
        assert!(p.founder_pop.iter().all(|&k| k < 2));
        let mut iids: Vec<&str> = p.samples.iter().map(|s| &*s.id.iid).collect();
        iids.sort_unstable();
        iids.dedup();
        assert_eq!(iids.len(), 13);
    }
}
