#!/usr/bin/env python3
"""Oracle for Lightning's workflow-net soundness checker (Tests/PlannerTests/PM4PyOracleTests).

Reads a JSON list of nets ({"places": [...], "transitions": [{"name", "inputs": [idx], "outputs": [idx]}],
"source": idx, "sink": idx}) from the file named on the command line and prints one JSON list of
booleans: pm4py's verdict (pm4py.check_soundness, the Woflan implementation the original planner
used) for each net with one token on the source as the initial and one on the sink as the final
marking. Exit 3 when pm4py is not installed.
"""
import io
import json
import sys
from contextlib import redirect_stdout, redirect_stderr

try:
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        import pm4py
        from pm4py.objects.petri_net.obj import PetriNet, Marking
        from pm4py.objects.petri_net.utils import petri_utils
except ImportError:
    print("pm4py is not installed (pip install pm4py)", file=sys.stderr)
    sys.exit(3)


def verdict(spec):
    net = PetriNet("n")
    places = [PetriNet.Place(f"p{i}") for i, _ in enumerate(spec["places"])]
    for p in places:
        net.places.add(p)
    for k, t in enumerate(spec["transitions"]):
        tr = PetriNet.Transition(f"t{k}", t["name"])
        net.transitions.add(tr)
        # Arc weights: a place listed twice is one arc of weight 2.
        for i in sorted(set(t["inputs"])):
            petri_utils.add_arc_from_to(places[i], tr, net, weight=t["inputs"].count(i))
        for o in sorted(set(t["outputs"])):
            petri_utils.add_arc_from_to(tr, places[o], net, weight=t["outputs"].count(o))
    im = Marking({places[spec["source"]]: 1})
    fm = Marking({places[spec["sink"]]: 1})
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        result = pm4py.check_soundness(net, im, fm)
    return bool(result[0] if isinstance(result, tuple) else result)


def main():
    with open(sys.argv[1]) as f:
        nets = json.load(f)
    print(json.dumps([verdict(n) for n in nets]))


if __name__ == "__main__":
    main()
