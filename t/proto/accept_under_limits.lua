-- accept_under_limits: a host (and a SASL login) under every limit is
-- accepted; the exempt loopback is accepted at connect.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	-- loopback is exempt by default: SMFIR_ACCEPT at connect, nothing logged
	local c0, r0 = zm.open("127.0.0.1", "localhost", "exempt 127.0.0.1")
	zm.expect("exempt 127.0.0.1: connect reply", r0, SMFIR_ACCEPT)
	zm.close(c0)

	local conn = zm.connect("192.0.2.10", "client10.example.net")
	-- queue id from "i" at MAIL
	zm.accepted(conn, { qid = "ACC1", rcpts = 2 })
	-- queue id only at end of message (Postfix style)
	zm.accepted(conn, { eomqid = "ACC2", rcpts = 1 })
	-- an authenticated sender
	zm.accepted(conn, { qid = "ACC3", login = "alice", rcpts = 3 })
	zm.close(conn)

	mt.echo("accept_under_limits: ok")
end)
