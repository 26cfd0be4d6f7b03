"""Skeleton trees rooted at the head, for VL4Pose's link-length model.

Links join the joints of :mod:`pose.data.skeleton` (LSP: 14 joints, MPII: 16), as in the authors'
VL4Pose (meghshukla/ActiveLearningForHumanPose, ``activelearning.py`` / ``main.py``):

- MPII, 15 links: head_top–upper_neck–thorax–pelvis, thorax–shoulder–elbow–wrist on each side,
  pelvis–hip–knee–ankle on each side;
- LSP, 13 links (no thorax or pelvis): head_top–neck, neck–shoulder–elbow–wrist and
  shoulder–hip–knee–ankle on each side.

Every link is written (parent, child), parents nearer the root.
"""
from __future__ import annotations

from dataclasses import dataclass

from pose.data.skeleton import LSP_JOINTS, MPII_JOINTS

__all__ = ["SkeletonTree", "MPII_TREE", "LSP_TREE", "skeleton_tree_for"]


@dataclass(frozen=True)
class SkeletonTree:
    """Joints, links as (parent, child) index pairs, and the root.

    ``links`` must form a tree over all joints that is rooted at ``root`` (every other joint is
    the child of exactly one link, and all are reachable); :attr:`topological_links` lists them
    parents first.
    """

    joints: tuple[str, ...]
    links: tuple[tuple[int, int], ...]
    root: int

    def __post_init__(self):
        n = len(self.joints)
        if not 0 <= self.root < n:
            raise ValueError(f"root must be a joint index in [0, {n}), got {self.root}")
        if len(self.links) != n - 1:
            raise ValueError(f"a tree on {n} joints has {n - 1} links, got {len(self.links)}")
        children = [c for _, c in self.links]
        if any(not (0 <= p < n and 0 <= c < n) for p, c in self.links):
            raise ValueError(f"links must join joint indices in [0, {n})")
        if self.root in children or len(set(children)) != n - 1:
            raise ValueError("links must give every joint but the root exactly one parent")
        if len(self.topological_links) != n - 1:
            raise ValueError(f"links do not connect every joint to the root {self.joints[self.root]!r}")

    @property
    def topological_links(self) -> tuple[tuple[int, int, int], ...]:
        """``(link index, parent, child)`` in breadth-first order from the root."""
        order, frontier = [], [self.root]
        while frontier:
            nxt = []
            for joint in frontier:
                for index, (p, c) in enumerate(self.links):
                    if p == joint:
                        order.append((index, p, c))
                        nxt.append(c)
            frontier = nxt
        return tuple(order)


def _tree(joints: tuple[str, ...], named_links, root: str) -> SkeletonTree:
    index = {name: i for i, name in enumerate(joints)}
    return SkeletonTree(joints=joints, links=tuple((index[p], index[c]) for p, c in named_links), root=index[root])


def _arm(side: str, base: str) -> tuple[tuple[str, str], ...]:
    return (base, f"{side}_shoulder"), (f"{side}_shoulder", f"{side}_elbow"), (f"{side}_elbow", f"{side}_wrist")


def _leg(side: str, base: str) -> tuple[tuple[str, str], ...]:
    return (base, f"{side}_hip"), (f"{side}_hip", f"{side}_knee"), (f"{side}_knee", f"{side}_ankle")


#: MPII (16 joints, 15 links), rooted at the head top.
MPII_TREE = _tree(
    MPII_JOINTS,
    (("head_top", "upper_neck"), ("upper_neck", "thorax"), ("thorax", "pelvis"))
    + _arm("l", "thorax") + _arm("r", "thorax") + _leg("l", "pelvis") + _leg("r", "pelvis"),
    "head_top",
)

#: LSP / LSPET (14 joints, 13 links), rooted at the head top; the hips hang from the shoulders.
LSP_TREE = _tree(
    LSP_JOINTS,
    (("head_top", "neck"),) + _arm("l", "neck") + _arm("r", "neck") + _leg("l", "l_shoulder") + _leg("r", "r_shoulder"),
    "head_top",
)


def skeleton_tree_for(num_joints: int) -> SkeletonTree:
    """The tree of the dataset with ``num_joints`` joints: 14 → LSP, 16 → MPII (also the synthetic sets)."""
    trees = {len(LSP_JOINTS): LSP_TREE, len(MPII_JOINTS): MPII_TREE}
    if num_joints not in trees:
        raise ValueError(f"num_joints must be one of {sorted(trees)} (LSP, MPII), got {num_joints!r}")
    return trees[num_joints]
