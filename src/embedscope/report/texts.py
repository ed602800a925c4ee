"""The explanations both documents print: what each metric measures, which direction is better, and why.

Plain text (no markup); each renderer escapes it.
"""

from __future__ import annotations

REPORT_TITLE = "embedscope embedding analysis report"

INTRO = (
    "This report compares the selected subset with the input it was picked from, and with uniform random "
    "subsets of the same size: a selection is only worth its cost when it beats random picking. All distances "
    "are Euclidean, in the embedding space the selection used (L2-normalised unless --no-normalize)."
)

HEADLINE = (
    "Selected against random subsets of the same size. Random values are the mean ± sample standard deviation "
    "over the random seeds; a selection is called better or worse only when it differs from that mean by more "
    "than two standard deviations."
)

WORST_CASE_NOT_MEAN = (
    "k-center greedy minimises the worst case (the largest distance of any input sample to the selection), not "
    "the mean: it spends picks on sparse outliers that random subsets leave uncovered, so on clustered data "
    "random subsets, which follow the density, can score better on means and on density-matching scores."
)

DIVERSITY = (
    "Diversity is each sample's distance to its nearest other sample within the same set. Higher is better: "
    "a diverse subset holds few near-duplicates, so every labelled sample adds new information."
)

COVERAGE = (
    "Coverage is each input sample's distance to its nearest sample in the covering set (selected or random, "
    "plus the datapool). Lower is better: the maximum coverage distance bounds the loss in model quality from "
    "training on the subset instead of the full input (Sener & Savarese 2017, core-set approach)."
)

SCATTER = (
    "Two-dimensional views of the embeddings. PCA is linear and keeps large distances; UMAP keeps "
    "neighbourhoods, so distances between its clusters carry little meaning. A diverse selection reaches "
    "every region, sparse ones included, instead of following the density of the input."
)

RANDOM_COVERAGE_SAMPLE = (
    "For this input size the coverage of every subset but seed {seed}'s is measured on a seeded uniform sample of "
    "{queries:,} input samples, the same for every seed (the subset's own samples count at distance 0, the others' "
    "mean is scaled by their share of the input): its mean is an unbiased estimate, its max a lower bound of that "
    "subset's radius "
    "(so the random side is, if anything, favoured)."
)

RANDOM_BASELINE = (
    "One random subset can be lucky or unlucky. These metrics are computed for {subsets}{seeds}, each the "
    "size of the selection and covered together with the datapool, so 'selected beats random' is a statement "
    "with error bars: mean ± sample standard deviation."
)

PRDC = (
    "PRDC (Naeem et al. 2020) judges a sample set against a reference set through k-nearest-neighbour balls "
    "(k = 5). Coverage: the share of input samples whose ball (radius: distance to their k-th nearest input "
    "neighbour) holds a selected sample. Recall: the share of input samples inside at least one ball around "
    "a selected sample (radius: distance to its k-th nearest selected neighbour). Higher is better for both. "
    "Coverage rewards following the input's density, so a diversity selection, which spends fewer samples "
    "on dense regions, can score below random on it while its recall is higher."
)

VENDI = (
    "The Vendi score (Friedman & Dieng 2022) is the exponential of the entropy of the eigenvalues of the "
    "samples' similarity matrix divided by their number: the effective number of distinct samples. It runs "
    "from 1 (all samples alike) up to the number of samples or the embedding dimension, whichever is smaller. "
    "Higher is more diverse."
)

K_CENTER = (
    "The k-center objective is the coverage radius: the largest distance from an input sample to its nearest "
    "selected (or datapool) sample. The facility-location objective is the mean coverage distance. Lower is "
    "better for both."
)

METADATA = (
    "Per-sample metadata and scores, per set. A balanced selection has lower Gini imbalance and higher "
    "normalised entropy than the input; a numeric value's histogram shows which ranges the selection favours."
)

PREDICTIONS = (
    "Predicted categories per set (objects counted for detection tasks). Rare categories that the selection "
    "brings up relative to the input are often the point of a selection."
)

CROPS = (
    "Object-level analysis: the same diversity and coverage metrics computed on the embeddings of the "
    "object crops of this task."
)

CROPS_ARE_MAIN = (
    "This run selected the object crops of this task, so the diversity and coverage sections above are the "
    "object-level analysis."
)

VIDEOS = (
    "Every frame (or every n-th, with --frame-stride) of each video is a sample. The timelines show where in "
    "each video the selected frames are: a diverse selection spreads over scenes rather than piling up on "
    "near-identical consecutive frames."
)

PREDICTIONS_READ = (
    "Detection predictions read from files. A prediction with a problem (box outside the image or of "
    "negative size, unknown category, file for a missing image, malformed file) is skipped and counted; "
    "the run goes on. Bounding-box examples show the boxes of the task on images with selected objects: "
    "selected objects in the selected set's colour, the others in grey."
)

OTHER_FIGURES = (
    "Further figures of this run: for video inputs, a timeline per video marking the frames that were "
    "selected; for object-level runs, example images with the boxes of the task drawn in, selected objects in "
    "the selected set's colour and the others in grey."
)
