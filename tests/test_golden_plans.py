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
    "addition:difficulty_range": "a796390b0db9cc6794ce0d3eabfc67c160b5ae790312f4906338a1ef993a9517 ee2e6673966bfbf6",
    "addition:easy_to_hard": "506120a81343bcff5f3f8b0675a91900eb8ce3a47a521439f94fbb3dc511285b fc9471bd889335de",
    "addition:held_out_carry_pattern": "3d1bf997e25797825863a3c3916e8db301d2c5c03bd4a66b1bd105b03c0b42e5",
    "addition:iid": "d1e0d710c1c4cdeb329491f0d934cf77e7091e0b3c8a4668ab0d0d0f1c3ac9cd",
    "addition:longer": "0f83f319150f8bb11e84cbe3123b7614817533931a2df7bb0fb6f008d8d76138",
    "addition:mcd": "2b9d6318644d8612833ff8a76770e3d1b2c25606705f7ab3058753cd8f7c50c2 4eeb6b6ad9e0d3c3",
    "algorithmic:easy_to_hard": "dc2c9481034b4d0cac0fcd5df2c03fbfc1ca677cd29aed6cd82620e7d5004d00 95cceee301f15af2",
    "algorithmic:iid": "7c5d8234cef25124b55778ac89f3db2d31e7672a5ca1dc101cff47ba7a1ade40",
    "algorithmic:length": "8cc0dc08b3f49c53754473586916e66e59b980c7e358054ba7fe4103be43aae5",
    "cogs:cogs": "f092a2f48ba0f11e158230ad9940cb1d19d27d74a270195079d5c0c74ab15049",
    "cogs:difficulty_range": "c11c977696c36d616e9ec29c6c06532e03a7a61c5a9a2a414477565913053ce3 0788f5f3c8b5edb5",
    "cogs:easy_to_hard": "cf614b3c7c0994078bbc9612e2b47d83eca78c48f366c8247650567b656844cf ec693b42d2a49080",
    "cogs:slog": "1799940e69d0e3210928b88c92a6b5b1d3f7a7340f49bc094be2b12e3c9a92c9",
    "comparison:difficulty_range": "3c72de99238f358b834c6f6c87f3f1de008b32f504acddbbc916f2525f675632 d90acffb279dd03a",
    "comparison:id_ood": "da423698870c4f792fe815f82ebb8dc251d94293ef44c8fc18cd7def6b34e7ed",
    "hint:easy_to_hard": "27e2855aa230e68d48e0f3e2919a03bad20411dfeb389dec179df58f14aae7af 75ef145192256506",
    "hint:hint": "4b8e767409f34313c36a18d48a1e9e309603dbc0b3d61bf329d440c55ee71a2d",
    "hint:iid": "e49358c027d722415fcaa7cd21111e9021f56308747fff858ee76914ec5012b2",
    "hint:mcd": "c6507ba59e035ac53ff2624c0402e344b841ff35ba7eb8b26a089e90ec0ad6af 57ea5e48653e2e20",
    "kinship:difficulty_range": "b94d8f798bd6f2188db783f58f2edec8079372d4a4d6828984a83b5f741ea18d b8bcb853e8c9aa0d",
    "kinship:easy_to_hard": "5c996dda12003c7d29cea0647da1a2bf998c93191a84419250e42afb5e9b8a5d 51d7c0659d030253",
    "kinship:held_out_patterns": "a0a5d1c196a45a1cd23d7d18a41b35036bc0d7570bbdc4820883b70c7ea0b286",
    "kinship:iid": "a83493dc6e49ba9c261981bccbd8c13cffe791e293a206a63e310a760a3f9a88",
    "kinship:longer_chains": "7dbb9f6e785bcbd3cbeeb8befb41619689f10937a2401943626f677add00faf5",
    "kinship:mcd": "b7ce92a76baea84155c865b5524123a3b7781a1819141c78f140bef9f6ac8b3d 280279f334bd82c3",
    "markov:difficulty_range": "83c0992d1c3df801fa71bc1d735cedf8b4b37d3c5b3cdf5b3e772d955c82f29c 41cd2fda53a04375",
    "markov:easy_to_hard": "755cde3ef58a9b2ff280c4a54423297489896e19913764b0d63efc4a2aaa6fb7 870a5e3d981d1fe7",
    "markov:held_out_domain": "7be609973230407d5fd233e702186a6706476d1dc289f1c6a193c075b78971e3",
    "markov:iid": "f0942c69c5fc1c70b7827120dde55251ca73b486972926b8cc2d77fae5cfae9b",
    "markov:longer": "78bc7ad86f969396e5525800548cc70963233501412db8ae04b08e70273e841f",
    "markov:mcd": "3ebd5078d87b3ab4495578c49e261809a17d8999dd7ec5b6de92e07d4d9f1081 0899c1891acd8ba5",
    "markov:unseen_instructions": "acbce1e5ede0ddecfaa94ed3834ce720f1050a1f954d2320e4d883c296c602b3",
    "multiplication:difficulty_range": "5ef1aa87ad955a873c574465bdf1eede010f6fbc7e7f3b22bb5f9d706f9c0ed6 37d6d0b8846a7294",
    "multiplication:easy_to_hard": "05e015e3dd09ee62964f000d03c792a7bb9355f015e413aff946914d5d4469e5 d2f43570d592a022",
    "multiplication:held_out_carry_pattern": "9c99345b22ca3dc15ada145607719d47380ec11a2cf87c9cb617ab2c1ced9775",
    "multiplication:iid": "d262e97a12509a2983bf18881d85b5bbc977358075c882c80075c5582004dc6b",
    "multiplication:longer": "e9f1d1408ecd2ec833d4cd804c7d981d06510f09827ee61a444e89bf82479a35",
    "multiplication:mcd": "44db580d2ed456ee34214ad1b89fed21f222074188998ae4167067f05fa5bdb0 ea56f8877f06e5f7",
    "pcfg_set:difficulty_range": "06a8fedf4ca1952b60c808efc3b909a929e1a266bb9b08677b4bea09eb12f3d1 64e573481f13aea7",
    "pcfg_set:easy_to_hard": "59c959e7a0c8ca11a98ad995124a429e2c07a62b37e2698a5e7fd9b1ee6724a1 c6375494d3a4705b",
    "pcfg_set:localism": "e89958da156830cb6b6c377148f2c1013a1c2b5f7beaa1b255b9424d77bf66dc",
    "pcfg_set:overgeneralisation": "6d246e97970eb4c111077961daaf4f2b0952289cee9518a1abaec54e68a616fd",
    "pcfg_set:productivity": "2b8d79a874024a48668208397758a9dd34a13d76b2b366fc79e8e2e5c026d287",
    "pcfg_set:random": "b0b02a7a427f014d920209ca83293b2f062b5e62ecf05f1c04b2ed3e22069eda",
    "pcfg_set:substitutivity": "4ba8cb1b16263a3816a82031691c13c339239b96be15bf9c14008a444c9f67b3",
    "pcfg_set:systematicity": "f0c76de943cb91c88f2834a9417d571ab33f9342feda24982285258668f4eff8",
    "relation_algebra:branches": "1b86fc061c1f3adc501544bea970db1d2c3259df6b6a8dd1e05b069b90e345b1",
    "relation_algebra:difficulty_range": "3e16ec51ba4735a7c2705a4dd51683888c72233e859a8e1f53bdee31212a0794 39b40a234633a1d9",
    "relation_algebra:easy_to_hard": "cdb4dfb3b25f08e7b0b65200b8dae243c5cb6b11ff15718ca32d84ba484311b3 9e08f3335218bf6c",
    "relation_algebra:iid": "3cea7fcfaf8c1e92c9d0cbd193db17f8639c0fe2e2cb5094648a6a1c35fd9848",
    "relation_algebra:length": "8b3daf8b84378f243695a59f73f4a59928b6774c36bed84f2a3f46a26e1b6a2b",
    "relation_algebra:mcd": "fc4dd41276d4027668394238a5fa1ef17f0420cda85ce732bfe53402fdc4d3f5 149cd7d04d461fcb",
    "relation_algebra:systematic": "c8798197497f42bb34122dd806bc55357cad45ae60a59974ec4b45fc4140d1bb",
    "rewrite:difficulty_range": "a20f92056cee61b73dc5c55ce7bc83575c680764e2e23b6272636bdfcb5d334c 4b4029be4604e6cc",
    "rewrite:held_out_domain": "772cb1ffd3086a251db00062a1489c95646a5d1329f37117d17de90801b5fec7",
    "rewrite:iid": "190a96a39b9ef134bfa9e8b33d1e667efa19658cead2eed8bcd3a504408ec229",
    "rewrite:longer": "64d261e0c1cbab1a2aecc23ca2525d59b36311add9a9092ac7757e13fd432634",
    "rewrite:mcd": "c67028d65ef3a1eaee244c5077ea55c4f4cd059e6b4570eb7639aa766cca086f 7775d7373226ebd1",
    "rewrite:unseen_instructions": "0164716e7d567fc6fba9294c248f6ca015e4dcc7c9fa684d713727c4b3fee511",
    "scan:addprim_jump": "57250fffa220df982a0ed1aedfa55d4cf67d184dbe1aac846577ae230de9942d",
    "scan:addprim_turn_left": "95771309d1da81f6b99d254875eeb3bfdf6c6c1e48cd7e7f8cf21f9c567e0879",
    "scan:around_right": "615c629eee2e28747ee8ca47cb4b4037e54a67afa96d92008c4c1aecb8ce6798",
    "scan:difficulty_range": "323d5c54bd7bef1e6c07e8392fdfb43526ef5df2d31731ee69a52509b1d98f2b 6e473059e8beaa9f",
    "scan:easy_to_hard": "db7e6316152fb9442167d9618c107c5e7e3587215e57435ccadc655b72c187ec 7cf68f0ce44ad67d",
    "scan:jump_around_right": "d76b650c4e5f569f3f2f6c0d8e4522ec981ea85b2166e2e8278b600432b22a1b",
    "scan:length": "7b0c16424b8a562c7d8b6a6c71e3bf670c89a9a99327e9c3cf9b4bb6fa5543c2",
    "scan:mcd": "9c591d62918e0bddb52c14cb555855fda932823c3597e4af565cbdeeb3baf7b2 4ddd4ffa8eacdc34",
    "scan:opposite_right": "1af62cdd5f28452a69a356611bfd06966dd34f36b69d72a81d98685506aa6689",
    "scan:right": "b60b0fe78a27b3a43b50579484a93463e6fc7f72535e57928eec527bb4dacb37",
    "scan:simple": "9049dd78beb3989a4e89b516386a035b7451daa5fa8923c9c4e95ac513c616fe",
    "scan:simple_random": "92ebb11d97314e86e9f148cd87f7f1f5c11994eaa6af03f799632e42cbb400a3",
    "scan_scaled:addprim": "b2f0bd4182ad9718faa14fca8f4d5ccdfa2af711788b27aa4e39fee086f02d79",
    "scan_scaled:difficulty_range": "204f85d0794923674ca4cabe11b5267905e79117bfd50c84fad20135eb7724e1 dbab13393f7acd9a",
    "scan_scaled:easy_to_hard": "5ebfcb8f565fd5486006479d986df4aef9b972fc73cc6806261fd4dae6f5bd0a ab6c818e4dfbf8df",
    "scan_scaled:held_out_domain": "93b2117dcebc2d5eca8b00970e42f720464a36dd64d78e68e5d11966c820f9ad",
    "scan_scaled:length": "f7025e806355fcdb4372c866d3958c4c959a96c789e199e070f32cbe05743b62",
    "scan_scaled:simple": "eefe460033207ddcb2eedf2b8e0e10deade5beac7a3568d61c86e894846a4dd2",
    "scan_scaled:template": "aab0c151f491cf8104b85463da7da11cdbfc397989585f10147df4ad5aef3fcd",
    "symbolic:deeper": "05d11dc0adac25269f387152a7692e09987c2d8d714536a9e0fa60f8c8e756a2",
    "symbolic:difficulty_range": "568fb91d07750b907117abc655887a2c98ab1feb252510719fefcfa56009d3a5 3ef3a61424350541",
    "symbolic:easy_to_hard": "d7497bdca6dffed44b0e5e979c9bc6403e77649ae4fee7e1bae2884ac1a233b6 741facb9f64a574c",
    "symbolic:held_out_domain": "87ad95fe0e200faaaa9f9e6507e6dff2f9fa515f344b580171757d6184f0ab39",
    "symbolic:iid": "e84d1d5c07fa632a1135b640b919bf0efbbaa0876eed0b05ef046ee08e2dfe33",
    "symbolic:unseen_instructions": "66b98474ba01a762219e64dc7f4cd16885f4a1524e46eb1cc64c12e4f166ddf2",
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
