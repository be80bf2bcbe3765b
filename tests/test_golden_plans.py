"""Every split plan of every built-in task pinned at small sizes: a refactor must not move a byte.

tests/test_reliability_golden.py pins each task's default plan; this file pins the
others too, the generic plans (``mcd``, ``easy_to_hard``) and a difficulty range,
so that moving code between core, generators, tasks and science is checked byte for
byte. Sizes: the first split 40 records and every other 8 (mcd 60/10/10,
easy_to_hard 40/8/8; a difficulty range of [0, 0.5] on the default plan with 20/5).
The generic plans also pin a digest of their manifest's description of the split
(everything but the files and the genforge version), since the search writes its
measured divergences and thresholds there.

Changing a task's output requires a version bump and a changelog line, as for
the default plan; then regenerate the rows with ``python tests/test_golden_plans.py``.
"""

from __future__ import annotations

import hashlib
import json
import sys

import pytest

import genforge
from genforge.core.spec import resolve_spec

#: "task:plan" -> fingerprint of the files (generic plans: and of the manifest head)
PINS = {
    "addition:difficulty_range": "86dbba20cba62b10fdc10b7baa7ff04874fb4ed53a824883e5ce8822ad957f75 d2f660dcf75fa9c4",
    "addition:easy_to_hard": "a86c3c38efd2e4f760175173f64a4b5c0734278df5554fa5ce2cfb8f7e5e5706 77595e1359ea0ef5",
    "addition:held_out_carry_pattern": "44fcc744ab6aa6616c1cd3d2682512f64a17b4cc929717fd733b084ef9188885",
    "addition:iid": "a7ce8a2ab316ff49e330d912863ba20c913f474c0014fb3617fa205ca9b5f18d",
    "addition:longer": "88d36a974bb613822835a94d8923c29aab3215091c983055e3450add79c91cf8",
    "addition:mcd": "e8fac9f255025d17015a361b49a11bb2188943e3afa27c2d631c106b00bdf680 0bd6520f8b861b8b",
    "algorithmic:easy_to_hard": "5ccbe3f8873f9204f0c813805d5baa11e31ea6b5662ac0e816630db1e8301e54 7623c5b5955baaef",
    "algorithmic:iid": "2aa002816979d6e2cae24a2ef5072236b29903184ed4226effede667d9e9594f",
    "algorithmic:length": "f313d35c4efe976248887a0cec568c1589e1f353929414b0d88a1dca3666c05f",
    "cogs:cogs": "f092a2f48ba0f11e158230ad9940cb1d19d27d74a270195079d5c0c74ab15049",
    "cogs:difficulty_range": "c11c977696c36d616e9ec29c6c06532e03a7a61c5a9a2a414477565913053ce3 0788f5f3c8b5edb5",
    "cogs:easy_to_hard": "cf614b3c7c0994078bbc9612e2b47d83eca78c48f366c8247650567b656844cf ec693b42d2a49080",
    "cogs:slog": "1799940e69d0e3210928b88c92a6b5b1d3f7a7340f49bc094be2b12e3c9a92c9",
    "comparison:id_ood": "da423698870c4f792fe815f82ebb8dc251d94293ef44c8fc18cd7def6b34e7ed",
    "hint:mcd": "69665fa7d45c03ff9f86c76516f61dbee498dc1b4ac37dc4011ae3c5788ede0f eea5fdce170d9ca7",
    "kinship:difficulty_range": "b94d8f798bd6f2188db783f58f2edec8079372d4a4d6828984a83b5f741ea18d b8bcb853e8c9aa0d",
    "kinship:easy_to_hard": "5c996dda12003c7d29cea0647da1a2bf998c93191a84419250e42afb5e9b8a5d 51d7c0659d030253",
    "kinship:held_out_patterns": "a0a5d1c196a45a1cd23d7d18a41b35036bc0d7570bbdc4820883b70c7ea0b286",
    "kinship:iid": "a83493dc6e49ba9c261981bccbd8c13cffe791e293a206a63e310a760a3f9a88",
    "kinship:longer_chains": "7dbb9f6e785bcbd3cbeeb8befb41619689f10937a2401943626f677add00faf5",
    "kinship:mcd": "b7ce92a76baea84155c865b5524123a3b7781a1819141c78f140bef9f6ac8b3d 280279f334bd82c3",
    "markov:unseen_instructions": "74a65ecf8b489fb98a272f41ccdbea159fcba75579c2a14cb1c12247956d5160",
    "multiplication:mcd": "23c4cc9024b25964aff4b38a1855bad229a93c20ce8ea4741b08ed584b91f941 8c5888a325b499c3",
    "pcfg_set:difficulty_range": "0e048beb9b7e66b844c3cceabe4141deb61f32b246e344bbdea22b45bc55db46 6434a9abe2e5f268",
    "pcfg_set:easy_to_hard": "a4f3bd13fffd64800f24646662ddf161a0509430962adbd2d66b1c466ebc2b02 7c13fad980f3f286",
    "pcfg_set:overgeneralisation": "7628296094501b5bc346ffea2b5ada335bdb335c258d1b15051dc496c22deca2",
    "pcfg_set:productivity": "4a06b375eb16362d844b22e90a59f89d2432a985ab8a1b85478f1688be3d3884",
    "pcfg_set:random": "c08853a7a52bab9b17245652175c28b982c64a98bac24022b3263b7f0532b4ff",
    "pcfg_set:substitutivity": "38c3afdba331d433d0d3f995bb9e5ef7b6f0aa90da8d902775c2903444e4c80d",
    "pcfg_set:systematicity": "e4730bae87c10f7aa676f12a5bbc87617b8238b13462d30bf7d4112685df34fb",
    "relation_algebra:branches": "1b86fc061c1f3adc501544bea970db1d2c3259df6b6a8dd1e05b069b90e345b1",
    "relation_algebra:difficulty_range": "3e16ec51ba4735a7c2705a4dd51683888c72233e859a8e1f53bdee31212a0794 39b40a234633a1d9",
    "relation_algebra:easy_to_hard": "cdb4dfb3b25f08e7b0b65200b8dae243c5cb6b11ff15718ca32d84ba484311b3 9e08f3335218bf6c",
    "relation_algebra:iid": "3cea7fcfaf8c1e92c9d0cbd193db17f8639c0fe2e2cb5094648a6a1c35fd9848",
    "relation_algebra:length": "8b3daf8b84378f243695a59f73f4a59928b6774c36bed84f2a3f46a26e1b6a2b",
    "relation_algebra:mcd": "fc4dd41276d4027668394238a5fa1ef17f0420cda85ce732bfe53402fdc4d3f5 149cd7d04d461fcb",
    "relation_algebra:systematic": "c8798197497f42bb34122dd806bc55357cad45ae60a59974ec4b45fc4140d1bb",
    "rewrite:difficulty_range": "3c75c916e8fd8ba8b0ce6473b42131375f74983ffe4cb6b5d628fd55f13d471c 7a7c72985ea9d94d",
    "rewrite:held_out_domain": "fb80f0a46a82f15bf84f303c86475309160ac5762c2dc2d08f4eb129072b62b7",
    "rewrite:iid": "566e535f0db476075d84a3782c9bd86722ad2ee94526bf7a24377027078b0681",
    "rewrite:longer": "00dc8920c688e5fe70dc90ac124e10024705d835a902b4f15e9b0e377f127004",
    "rewrite:mcd": "e9c9190e78d10e4d2fee392247554bac8dda3047490c9d9afb59e4e64c26e8f5 349d9530efa4d622",
    "rewrite:unseen_instructions": "e923464d685d09d8881a17807d64f80127dfff249a9051820ce5e50e16aac23e",
    "scan:addprim_jump": "15065a2844e066e9ab8aa16001995d837f56c83b75a9d2ab3a6f74c5825dfcbb",
    "scan:addprim_turn_left": "cb9fb176f6196946cccbda1b6cc6840b44ea79ba5672a4b46952718218ac1de2",
    "scan:around_right": "781b79fbae37bb0bd1951e433ad816b269fdf9e8cfca249c23dd0f541348e60f",
    "scan:difficulty_range": "7d0dcf24ceb048048a09505b21b35fef9cfdfbb17bae3dece31335a30afc3692 73e0d8bbe1d585e9",
    "scan:easy_to_hard": "62370672d957b7fcec4c019b2fd826965c1a900d8bdc70136ae11eb74d264c0b c5bd160b56015d2f",
    "scan:jump_around_right": "856e10ccaea379263af9bd5d7629673782c28eae51f7767b1d430f2b2d637c86",
    "scan:length": "4a75d051c0d8fe7661a8b3c536793bf5b279aa835fe2ca674a7fbc9463c2717b",
    "scan:mcd": "aa1b42eb025891adfc21b2a4a6e85baacde3a2981803f69af9d6e63094e15f48 8b129fd6bfdf36ae",
    "scan:opposite_right": "d57d40d6eb0be4e5c93267b2faa4469125b443f32bb2f19c68e8a42dda65c1da",
    "scan:right": "61551260c9f044d7e2f21cb92231a0c339056dfd19a710c5236fd506feea0c00",
    "scan:simple": "55b7b46d48dddadea5e516bd0673c0a2dac3086ee20005f0dc8bc6515eb92688",
    "scan_scaled:addprim": "b2f0bd4182ad9718faa14fca8f4d5ccdfa2af711788b27aa4e39fee086f02d79",
    "scan_scaled:difficulty_range": "204f85d0794923674ca4cabe11b5267905e79117bfd50c84fad20135eb7724e1 dbab13393f7acd9a",
    "scan_scaled:easy_to_hard": "5ebfcb8f565fd5486006479d986df4aef9b972fc73cc6806261fd4dae6f5bd0a ab6c818e4dfbf8df",
    "scan_scaled:held_out_domain": "93b2117dcebc2d5eca8b00970e42f720464a36dd64d78e68e5d11966c820f9ad",
    "scan_scaled:length": "f7025e806355fcdb4372c866d3958c4c959a96c789e199e070f32cbe05743b62",
    "scan_scaled:simple": "eefe460033207ddcb2eedf2b8e0e10deade5beac7a3568d61c86e894846a4dd2",
    "scan_scaled:template": "aab0c151f491cf8104b85463da7da11cdbfc397989585f10147df4ad5aef3fcd",
    "symbolic:deeper": "4ee082323cda123d41ea9b7e144cbb8a1748391bbdb40b952469ba4614bb966c",
    "symbolic:difficulty_range": "4cf9046a8386d3db607a855934a4edb389520fedaa0bfb3bc582b233da880443 0f76deeec51d0c1f",
    "symbolic:easy_to_hard": "498b739e14e47af5d0bb3082e6b2ffc46dd127cee5a52ddb8f5c1b85b750ec3f ff9c7f0a3df774d3",
    "symbolic:held_out_domain": "5a7071625ce539d5347d69bcd150b74fe4aaa5d2185ecc1152a5ea8eae7ac876",
    "symbolic:iid": "7c76e24f0c3f4a9e014690aa9b3c680042a169c47bb28f755a692becdee33637",
    "symbolic:unseen_instructions": "db884c13096ef9adc544195d3735046b0e715676d27e621e71a308720e5101bc",
    "two_hop:difficulty_range": "290caa12afd702eda075fb9eadf77237e46e5c2329f4b2dcae2b7d74a9092cac 44723d76efe63f9d",
    "two_hop:id_ood": "6075018155823746d8476e9a2f73b4d2f2f1a1c4cd9ed592edef5cc2c6dc72de",
}

GENERIC_SIZES = {
    "mcd": {"train": 60, "test_id": 10, "test_ood_compound": 10},
    "easy_to_hard": {"train": 40, "test_id": 8, "test_ood_hard": 8},
}


def fingerprint(manifest: dict) -> str:
    return hashlib.sha256("".join(f"{f['name']} {f['sha256']}\n" for f in manifest["files"]).encode()).hexdigest()


def head_digest(manifest: dict) -> str:
    head = {key: value for key, value in manifest.items() if key not in ("files", "genforge_version")}
    return hashlib.sha256(json.dumps(head, sort_keys=True).encode()).hexdigest()[:16]


def generate_pinned(key: str, out) -> str:
    task, plan_name = key.split(":")
    if plan_name in GENERIC_SIZES:
        manifest = genforge.generate(task, out, split_plan=plan_name, sizes=GENERIC_SIZES[plan_name])
        return f"{fingerprint(manifest)} {head_digest(manifest)}"
    if plan_name == "difficulty_range":
        plan = resolve_spec(task).plan()
        sizes = {s.name: 20 if i == 0 else 5 for i, s in enumerate(plan.splits)}
        manifest = genforge.generate(task, out, sizes=sizes, difficulty_range=(0.0, 0.5))
        return f"{fingerprint(manifest)} {head_digest(manifest)}"
    plan = resolve_spec(task, split_plan=plan_name).plan()
    sizes = {s.name: 40 if i == 0 else 8 for i, s in enumerate(plan.splits)}
    return fingerprint(genforge.generate(task, out, split_plan=plan_name, sizes=sizes))


@pytest.mark.parametrize("key", sorted(PINS))
def test_every_plan_gives_its_pinned_bytes(tmp_path, key):
    assert generate_pinned(key, tmp_path) == PINS[key], (
        f"{key}: the output changed. If intended, bump the task's version, add a changelog line and "
        "regenerate the rows (python tests/test_golden_plans.py)")


if __name__ == "__main__":  # print fresh rows for every pinned key
    import tempfile

    for key in sorted(PINS):
        with tempfile.TemporaryDirectory() as folder:
            print(f'    "{key}": "{generate_pinned(key, folder)}",', file=sys.stdout)
