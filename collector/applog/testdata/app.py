import os, time
from flask import Flask
app = Flask(__name__)

@app.route("/ok")
def ok():
    return "ok\n"

@app.route("/api/boom")
def boom():
    return str(1 / 0)

@app.route("/chain")
def chain():
    try:
        {}["missing"]
    except KeyError:
        raise ValueError("bad value")

@app.route("/slow")
def slow():
    time.sleep(5)
    return "slow\n"

@app.route("/exit")
def exit_():
    os._exit(1)

@app.route("/pid")
def pid():
    return str(os.getpid())
