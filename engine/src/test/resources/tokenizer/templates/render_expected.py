#!/usr/bin/env python3
"""Regenerates the *.expected.txt renderings with Jinja2 set up exactly as transformers'
apply_chat_template sets it up (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols, raise_exception, tojson = json.dumps(ensure_ascii=False)). ChatTemplateTest
checks that Gantry's jinjava rendering is byte-for-byte identical.

Run from this directory: python3 render_expected.py   (needs jinja2 >= 3.1)
"""
import json
from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

cases = json.load(open("cases.json"))
for model in ["llama3-instruct", "llama3.1-instruct", "qwen2.5-instruct"]:
    config = json.load(open(model + ".json"))
    template = env.from_string(config["chat_template"])
    for name, case in cases.items():
        if model not in case["models"]:
            continue
        out = template.render(messages=case["messages"], tools=case.get("tools"),
                              add_generation_prompt=case["add_generation_prompt"],
                              bos_token=config["bos_token"] or "", eos_token=config["eos_token"] or "")
        with open(f"{model}.{name}.expected.txt", "w", newline="") as f:
            f.write(out)
