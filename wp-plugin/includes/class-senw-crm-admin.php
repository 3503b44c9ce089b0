<?php
/**
 * The CRM's wp-admin screens: CRM > Leads (the list), CRM > Add Lead, and the
 * lead page (a hidden screen, admin.php?page=senw-crm-lead&lead=ID). Forms
 * post to admin-post.php; see SENW_CRM_Admin_Actions for their handlers.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin {

	const MENU_SLUG = 'senw-crm';
	const ADD_SLUG  = 'senw-crm-add';
	const LEAD_SLUG = 'senw-crm-lead';

	/** @var string[] Screen hook names of our pages, for asset loading. */
	private static $hooks = array();

	/** @var SENW_CRM_Leads_List_Table|null */
	private static $list_table = null;

	/** @var array|null The lead shown on the lead page (loaded and authorized on load-*). */
	private static $lead = null;

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_filter( 'set_screen_option_' . SENW_CRM_Leads_List_Table::PER_PAGE_OPTION, array( __CLASS__, 'save_per_page' ), 10, 3 );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
		add_filter( 'parent_file', array( __CLASS__, 'parent_file' ) );
		add_filter( 'admin_title', array( __CLASS__, 'lead_title' ), 10, 2 );
		SENW_CRM_Admin_Actions::register();
	}

	public static function menu() {
		$list = add_menu_page(
			__( 'CRM Leads', 'senw-crm' ),
			__( 'CRM', 'senw-crm' ),
			'senw_view_leads',
			self::MENU_SLUG,
			array( __CLASS__, 'render_list' ),
			'dashicons-groups',
			26
		);
		add_submenu_page( self::MENU_SLUG, __( 'Leads', 'senw-crm' ), __( 'Leads', 'senw-crm' ), 'senw_view_leads', self::MENU_SLUG, array( __CLASS__, 'render_list' ) );
		$add = add_submenu_page( self::MENU_SLUG, __( 'Add Lead', 'senw-crm' ), __( 'Add Lead', 'senw-crm' ), 'senw_edit_leads', self::ADD_SLUG, array( __CLASS__, 'render_add' ) );
		// Reached from the list, not the menu: registered under CRM (so WordPress keeps the
		// CRM menu open on it; a page without a parent loses that in get_admin_page_parent())
		// with an empty title, and its menu entry hidden by admin.css.
		$lead = add_submenu_page( self::MENU_SLUG, __( 'Lead', 'senw-crm' ), '', 'senw_view_leads', self::LEAD_SLUG, array( __CLASS__, 'render_lead' ) );

		self::$hooks = array_filter( array( $list, $add, $lead ) );
		add_action( 'load-' . $list, array( __CLASS__, 'load_list' ) );
		add_action( 'load-' . $lead, array( __CLASS__, 'load_lead' ) );
	}

	/** Keeps CRM highlighted in the menu while on the hidden lead page. */
	public static function parent_file( $parent_file ) {
		global $plugin_page, $submenu_file;
		if ( self::LEAD_SLUG === $plugin_page ) {
			$submenu_file = self::MENU_SLUG; // phpcs:ignore WordPress.WP.GlobalVariablesOverride -- the documented way to highlight a submenu.
			return self::MENU_SLUG;
		}
		return $parent_file;
	}

	/** The hidden lead page has no menu title: its <title> is the lead's name. */
	public static function lead_title( $admin_title, $title ) {
		global $plugin_page;
		if ( self::LEAD_SLUG !== $plugin_page || ! self::$lead ) {
			return $admin_title;
		}
		$name = trim( self::$lead['first_name'] . ' ' . self::$lead['last_name'] );
		/* translators: 1: lead name, 2: site name */
		return sprintf( __( 'Lead: %1$s ‹ %2$s — WordPress', 'senw-crm' ), '' !== $name ? $name : __( '(no name)', 'senw-crm' ), get_bloginfo( 'name' ) );
	}

	public static function enqueue( $hook ) {
		if ( ! in_array( $hook, self::$hooks, true ) ) {
			return;
		}
		wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
	}

	public static function save_per_page( $keep, $option, $value ) {
		$value = (int) $value;
		return ( $value >= 1 && $value <= 100 ) ? $value : $keep;
	}

	// -- Leads list ---------------------------------------------------------------

	public static function load_list() {
		add_screen_option(
			'per_page',
			array(
				'label'   => __( 'Leads per page', 'senw-crm' ),
				'default' => 20,
				'option'  => SENW_CRM_Leads_List_Table::PER_PAGE_OPTION,
			)
		);
		self::$list_table = new SENW_CRM_Leads_List_Table( array( 'screen' => get_current_screen() ) );
	}

	public static function render_list() {
		if ( ! current_user_can( 'senw_view_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view leads.', 'senw-crm' ), 403 );
		}
		$table = self::$list_table ? self::$list_table : new SENW_CRM_Leads_List_Table();
		$table->prepare_items();
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-leads',
			array(
				'table'   => $table,
				'notices' => self::notices(),
				'add_url' => current_user_can( 'senw_edit_leads' ) ? admin_url( 'admin.php?page=' . self::ADD_SLUG ) : '',
			)
		);
	}

	// -- Lead page ----------------------------------------------------------------

	/** Authorizes and loads the lead before any output, so a refusal is a clean 403. */
	public static function load_lead() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing, not changing.
		$lead_id = isset( $_GET['lead'] ) && is_scalar( $_GET['lead'] ) ? absint( $_GET['lead'] ) : 0;
		$user_id = get_current_user_id();
		if ( ! $lead_id || ! current_user_can( 'senw_view_leads' ) || ! SENW_CRM_Visibility::can_view_lead( $user_id, $lead_id ) ) {
			wp_die(
				esc_html__( 'Sorry, you are not allowed to view this lead, or it does not exist.', 'senw-crm' ),
				esc_html__( 'Lead not available', 'senw-crm' ),
				array(
					'response'  => 403,
					'back_link' => true,
				)
			);
		}
		// view() writes the audit row for this look at the lead.
		self::$lead = SENW_CRM_Leads::view( $lead_id, $user_id );
		if ( ! self::$lead ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view this lead, or it does not exist.', 'senw-crm' ), 403 );
		}
	}

	public static function render_lead() {
		$lead = self::$lead;
		if ( ! $lead ) {
			return;
		}
		$user_id    = get_current_user_id();
		$lead_id    = (int) $lead['id'];
		$can_edit   = current_user_can( 'senw_edit_leads' ) && SENW_CRM_Visibility::can_edit_lead( $user_id, $lead_id );
		$can_assign = SENW_CRM_Visibility::can_assign_lead( $user_id, $lead_id );
		$lead['consents'] = self::group_consents( $lead['consents'] );
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-lead',
			array(
				'lead'       => $lead,
				'timeline'   => SENW_CRM_Timeline_View::present( self::group_consents( SENW_CRM_Leads::timeline( $lead_id ), 'body', 'kind' ) ),
				'can_edit'   => $can_edit,
				'can_assign' => $can_assign,
				'agents'     => $can_assign ? self::assignable_agents( $user_id ) : array(),
				'notices'    => self::notices(),
				'post_url'   => admin_url( 'admin-post.php' ),
				'back_url'   => admin_url( 'admin.php?page=' . self::MENU_SLUG ),
			)
		);
	}

	/**
	 * One consent given on a form is stored once per channel (email, sms,
	 * phone); show it once, with its channels listed. Works on the lead's
	 * consent rows (text in consent_text, channel in channel) and on timeline
	 * entries (type consent: text in body, channel in kind); other rows pass.
	 */
	private static function group_consents( array $rows, $text = 'consent_text', $channel = 'channel' ) {
		$out   = array();
		$index = array();
		foreach ( $rows as $row ) {
			if ( isset( $row['type'] ) && 'consent' !== $row['type'] ) {
				$out[] = $row;
				continue;
			}
			$key = md5( $row[ $text ] . '|' . substr( (string) $row['created_at'], 0, 19 ) );
			if ( isset( $index[ $key ] ) ) {
				$out[ $index[ $key ] ][ $channel ] .= ', ' . $row[ $channel ];
			} else {
				$index[ $key ] = count( $out );
				$out[]         = $row;
			}
		}
		return $out;
	}

	// -- Add Lead -----------------------------------------------------------------

	public static function render_add() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to add leads.', 'senw-crm' ), 403 );
		}
		$kept       = SENW_CRM_Admin_Actions::take_kept_form( 'add_lead' );
		$can_assign = current_user_can( 'senw_assign_leads' );
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-add-lead',
			array(
				'fields'     => SENW_CRM_Lead_Form::fields(),
				'errors'     => $kept['errors'],
				'values'     => $kept['values'],
				'can_assign' => $can_assign,
				'agents'     => $can_assign ? self::assignable_agents( get_current_user_id() ) : array(),
				'notices'    => self::notices(),
				'post_url'   => admin_url( 'admin-post.php' ),
			)
		);
	}

	// -- Shared bits for the templates and the list table ----------------------------

	public static function lead_url( $lead_id ) {
		return admin_url( 'admin.php?page=' . self::LEAD_SLUG . '&lead=' . (int) $lead_id );
	}

	public static function status_labels() {
		return array(
			'new'             => __( 'New', 'senw-crm' ),
			'contacted'       => __( 'Contacted', 'senw-crm' ),
			'qualified'       => __( 'Qualified', 'senw-crm' ),
			'nurturing'       => __( 'Nurturing', 'senw-crm' ),
			'appointment_set' => __( 'Appointment set', 'senw-crm' ),
			'converted'       => __( 'Converted', 'senw-crm' ),
			'lost'            => __( 'Lost', 'senw-crm' ),
		);
	}

	public static function temperature_labels() {
		return array(
			'hot'  => __( 'Hot', 'senw-crm' ),
			'warm' => __( 'Warm', 'senw-crm' ),
			'cold' => __( 'Cold', 'senw-crm' ),
		);
	}

	public static function source_labels() {
		return array(
			'website'         => __( 'Website', 'senw-crm' ),
			'listing_inquiry' => __( 'Listing inquiry', 'senw-crm' ),
			'manual'          => __( 'Manual', 'senw-crm' ),
			'import'          => __( 'Import', 'senw-crm' ),
			'referral'        => __( 'Referral', 'senw-crm' ),
			'open_house'      => __( 'Open house', 'senw-crm' ),
		);
	}

	/**
	 * Prints <option>s for value => label choices, marking $current selected.
	 *
	 * @param array      $choices Value => label.
	 * @param string|int $current The selected value.
	 */
	/**
	 * "Export CSV" for a filtered table: a nonced admin-post form carrying the
	 * table's current filters ($query_args, the page number left out), with
	 * the table's count beside the button.
	 *
	 * @param string $action     admin-post action (also the nonce's action).
	 * @param array  $query_args The filters in the screen's URL.
	 * @param string $id         Id prefix: "<id>-export" (button), "<id>-count".
	 * @param string $count      The count, as the reader reads it.
	 * @param string $class      The form's class.
	 */
	public static function export_form( $action, array $query_args, $id, $count, $class = '' ) {
		?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>"<?php echo $class ? ' class="' . esc_attr( $class ) . '"' : ''; ?>>
			<input type="hidden" name="action" value="<?php echo esc_attr( $action ); ?>">
			<?php wp_nonce_field( $action ); ?>
			<?php foreach ( $query_args as $key => $value ) : ?>
				<?php if ( 'page' !== $key ) : ?>
					<input type="hidden" name="<?php echo esc_attr( $key ); ?>" value="<?php echo esc_attr( $value ); ?>">
				<?php endif; ?>
			<?php endforeach; ?>
			<p><button type="submit" class="button" id="<?php echo esc_attr( $id . '-export' ); ?>"><?php esc_html_e( 'Export CSV', 'senw-crm' ); ?></button>
			<span class="senw-count" id="<?php echo esc_attr( $id . '-count' ); ?>"><?php echo esc_html( $count ); ?></span></p>
		</form>
		<?php
	}

	/** Page links under a filtered table (nothing when there is one page). */
	public static function pagination( $page, $pages, array $query_args ) {
		if ( $pages <= 1 ) {
			return;
		}
		echo '<div class="tablenav"><div class="tablenav-pages">';
		echo wp_kses_post(
			paginate_links(
				array(
					'base'    => add_query_arg( 'paged', '%#%', add_query_arg( $query_args, admin_url( 'admin.php' ) ) ),
					'format'  => '',
					'current' => $page,
					'total'   => $pages,
				)
			)
		);
		echo '</div></div>';
	}

	public static function select_options( array $choices, $current ) {
		foreach ( $choices as $value => $label ) {
			printf( '<option value="%1$s"%2$s>%3$s</option>', esc_attr( (string) $value ), selected( (string) $current, (string) $value, false ), esc_html( $label ) );
		}
	}

	/** The label for a value, or the value itself when it has none (free-text sources). */
	public static function label( array $labels, $value ) {
		$value = (string) $value;
		return isset( $labels[ $value ] ) ? $labels[ $value ] : $value;
	}

	/** A stored UTC DATETIME shown in the site's time zone and formats. */
	public static function local_time( $utc ) {
		if ( empty( $utc ) ) {
			return '';
		}
		$ts = strtotime( substr( (string) $utc, 0, 19 ) . ' UTC' );
		if ( false === $ts ) {
			return (string) $utc;
		}
		return wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $ts );
	}

	/** Users who work leads, id => name, for the list's agent filter. */
	public static function agent_choices() {
		$choices = array();
		foreach ( self::crm_users() as $user ) {
			$choices[ (int) $user->ID ] = $user->display_name;
		}
		return $choices;
	}

	/**
	 * Agents the user may hand leads to, id => name: users who work leads
	 * (in the agents' pool, or team leads), never managers or admins who only
	 * oversee them.
	 */
	public static function assignable_agents( $user_id ) {
		global $wpdb;
		$choices = array();
		$table   = SENW_CRM_Db::t( 'agents' );
		$pool    = array_map( 'intval', $wpdb->get_col( "SELECT user_id FROM `{$table}` WHERE active = 1" ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		foreach ( self::crm_users() as $user ) {
			$works = in_array( (int) $user->ID, $pool, true ) || user_can( (int) $user->ID, SENW_CRM_Roles::TEAM_LEAD ) && ! user_can( (int) $user->ID, 'senw_view_all_leads' );
			if ( $works && SENW_CRM_Visibility::can_assign_to( $user_id, (int) $user->ID ) ) {
				$choices[ (int) $user->ID ] = $user->display_name;
			}
		}
		return $choices;
	}

	private static function crm_users() {
		return get_users(
			array(
				'role__in'    => array( SENW_CRM_Roles::AGENT, SENW_CRM_Roles::TEAM_LEAD, SENW_CRM_Roles::MANAGER, SENW_CRM_Roles::ADMIN ),
				'fields'      => array( 'ID', 'display_name' ),
				'orderby'     => 'display_name',
				'count_total' => false,
			)
		);
	}

	/**
	 * Notices handed over by a redirect (?senw_notice=code / ?senw_error=code),
	 * as a list of [type, message]. Only known codes are shown: the URL never
	 * carries text.
	 */
	public static function notices() {
		$messages = SENW_CRM_Admin_Actions::messages();
		$notices  = array();
		foreach ( array( 'senw_notice' => 'success', 'senw_error' => 'error' ) as $arg => $type ) {
			// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only, known codes.
			$code = isset( $_GET[ $arg ] ) ? sanitize_key( wp_unslash( $_GET[ $arg ] ) ) : '';
			if ( isset( $messages[ $code ] ) ) {
				$notices[] = array( $type, $messages[ $code ] );
			}
		}
		return $notices;
	}
}
