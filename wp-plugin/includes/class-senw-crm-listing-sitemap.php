<?php
/**
 * The public listings as a WordPress core sitemap provider
 * (/wp-sitemap-listings-1.xml), 2,000 a page; see SENW_CRM_Listing_Seo.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Listing_Sitemap extends WP_Sitemaps_Provider {

	public function __construct() {
		$this->name        = 'listings';
		$this->object_type = 'listing';
	}

	public function get_url_list( $page_num, $object_subtype = '' ) {
		return SENW_CRM_Listing_Seo::sitemap_entries( $page_num );
	}

	public function get_max_num_pages( $object_subtype = '' ) {
		return SENW_CRM_Listing_Seo::sitemap_pages_count();
	}
}
