-- missing_macros: no "i" and no "{auth_authen}": the milter still decides
-- and logs NOQUEUE / user=-.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	-- no macros at all
	local conn = zm.connect("192.0.2.60")
	zm.accepted(conn, { nomacros = true, rcpts = 1, label = "message without any macro" })
	zm.close(conn)

	-- a MAIL macro set without i and auth_authen, nothing at EOM
	conn = zm.connect("192.0.2.61")
	zm.accepted(conn, { rcpts = 2, label = "message with {mail_addr} only" })
	zm.close(conn)

	-- crossing the limit without a queue id: refusal still works
	conn = zm.connect("192.0.2.62")
	zm.accepted(conn, { nomacros = true, rcpts = 2, label = "NOQUEUE (count 2)" })
	zm.refused_eom(conn, { nomacros = true, rcpts = 2, label = "NOQUEUE (count 4 > 3)" },
	               "451", "4.7.1", "ZM-TEMP no macros")
	zm.close(conn)

	mt.echo("missing_macros: ok")
end)
