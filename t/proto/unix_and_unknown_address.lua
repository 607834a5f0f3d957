-- unix_and_unknown_address (miltertest part): a client of unknown family
-- with no address ("unspec": libmilter passes a NULL address) is not
-- counted by host; it is accepted and logged host=-.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local conn = zm.connect("unspec", "localhost", "connect unspec")
	-- limit is 1 recipient: each of these would cross it if counted by host
	zm.accepted(conn, { qid = "U1", rcpts = 2, label = "U1 (unknown family)" })
	zm.accepted(conn, { qid = "U2", rcpts = 2, label = "U2 (unknown family)" })
	zm.close(conn)

	conn = zm.connect("unspec", "localhost", "connect unspec #2")
	zm.accepted(conn, { qid = "U3", rcpts = 3, label = "U3 (unknown family, new connection)" })
	zm.close(conn)

	mt.echo("unix_and_unknown_address (unspec): ok")
end)
